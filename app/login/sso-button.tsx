'use client';

import { signIn } from 'next-auth/react';
import { useState } from 'react';
import { buttonClass } from '@/components/field';
import { SSO_PROVIDER_ID } from '@/lib/admins/single-sign-on-id';

/** "Sign in with <the identity provider>": off to the provider, and back to `returnTo`. */
export function SsoButton({ name, returnTo }: { name: string; returnTo: string }) {
  const [leaving, setLeaving] = useState(false);
  return (
    <button
      type="button"
      className={`${buttonClass} w-full`}
      disabled={leaving}
      onClick={() => {
        setLeaving(true);
        void signIn(SSO_PROVIDER_ID, { callbackUrl: returnTo });
      }}
    >
      {leaving ? `Opening ${name}…` : `Sign in with ${name}`}
    </button>
  );
}
