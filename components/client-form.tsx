'use client';

import { useEffect, useState, type FormHTMLAttributes } from 'react';

/**
 * A form that works only once its script is running (react-hook-form and a server action). Until
 * then its fields are disabled: typing before hydration would be lost (the form's state starts from
 * its defaults), and a Save clicked then would make the browser submit the fields itself, in a URL
 * for a plain form: passwords and secrets in the address bar and the server's log. `method="post"`
 * keeps them out of a URL even so. The className lays out the fields (it goes on the fieldset).
 */
export function ClientForm({ className, children, ...props }: FormHTMLAttributes<HTMLFormElement>) {
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);
  return (
    <form method="post" {...props}>
      <fieldset disabled={!ready} className={`m-0 min-w-0 border-0 p-0 ${className ?? ''}`}>
        {children}
      </fieldset>
    </form>
  );
}
