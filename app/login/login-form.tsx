'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { buttonClass, Field, inputClass } from '@/components/field';
import { signInSchema, TWO_STEP_NEEDED } from '@/lib/admins/schema';

import { ClientForm } from '@/components/client-form';

/** `returnTo`: the admin page to open after sign-in (checked by the server page). */
export function LoginForm({ returnTo }: { returnTo: string }) {
  const router = useRouter();
  const [message, setMessage] = useState('');
  // The password was right and the account has two-step sign-in: the code field appears.
  const [needCode, setNeedCode] = useState(false);
  const form = useForm<z.input<typeof signInSchema>, unknown, z.output<typeof signInSchema>>({
    resolver: zodResolver(signInSchema),
    defaultValues: { email: '', password: '', code: '' },
  });
  const { errors, isSubmitting } = form.formState;
  useEffect(() => {
    if (needCode) form.setFocus('code');
  }, [needCode, form]);

  const onSubmit = form.handleSubmit(async ({ email, password, code }) => {
    setMessage('');
    const result = await signIn('credentials', { email, password, code: needCode ? (code ?? '') : '', redirect: false });
    if (result?.error === TWO_STEP_NEEDED) {
      setNeedCode(true);
      return;
    }
    if (!result || result.error) {
      setMessage(result?.error && result.error !== 'CredentialsSignin' ? result.error : 'Email or password is wrong');
      if (needCode) form.setValue('code', '');
      return;
    }
    router.replace(returnTo);
    router.refresh();
  });

  return (
    <ClientForm onSubmit={onSubmit} noValidate className="space-y-4">
      <Field id="email" label="Email" error={errors.email?.message}>
        <input id="email" type="email" autoComplete="username" className={inputClass} aria-invalid={Boolean(errors.email)} {...form.register('email')} />
      </Field>
      <Field id="password" label="Password" error={errors.password?.message}>
        <input id="password" type="password" autoComplete="current-password" className={inputClass} aria-invalid={Boolean(errors.password)} {...form.register('password')} />
      </Field>
      {needCode ? (
        <Field id="code" label="Code from your authenticator app" hint="The 6 digits the app shows for Televisit, or one of your recovery codes." error={errors.code?.message}>
          <input id="code" autoComplete="one-time-code" className={inputClass} aria-invalid={Boolean(errors.code)} aria-describedby="code-hint code-error" {...form.register('code')} />
        </Field>
      ) : null}
      <p role="alert" aria-live="assertive" className="text-sm text-red-700" data-testid="sign-in-message">
        {message}
      </p>
      <button type="submit" className={`${buttonClass} w-full`} disabled={isSubmitting}>
        {isSubmitting ? 'Signing in…' : 'Sign in'}
      </button>
    </ClientForm>
  );
}
