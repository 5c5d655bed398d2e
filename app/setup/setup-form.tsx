'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { buttonClass, Field, inputClass } from '@/components/field';
import { createOwner } from '@/lib/admins/actions';
import { PASSWORD_MIN, ownerSetupSchema } from '@/lib/admins/schema';
import { ClientForm } from '@/components/client-form';

type OwnerInput = z.input<typeof ownerSetupSchema>;

export function SetupForm() {
  const router = useRouter();
  const [message, setMessage] = useState('');
  const form = useForm<OwnerInput, unknown, z.output<typeof ownerSetupSchema>>({
    resolver: zodResolver(ownerSetupSchema),
    defaultValues: { email: '', password: '', confirmPassword: '' },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (owner) => {
    const result = await createOwner(owner);
    if (!result.ok) {
      for (const [field, text] of Object.entries(result.fieldErrors ?? {})) form.setError(field as keyof OwnerInput, { message: text });
      setMessage(result.message);
      return;
    }
    await signIn('credentials', { email: owner.email, password: owner.password, redirect: false });
    router.replace('/admin/settings');
    router.refresh();
  });

  return (
    <ClientForm onSubmit={onSubmit} noValidate className="space-y-4">
      <Field id="email" label="Email" error={errors.email?.message}>
        <input id="email" type="email" autoComplete="username" className={inputClass} aria-invalid={Boolean(errors.email)} {...form.register('email')} />
      </Field>
      <Field id="password" label="Password" hint={`At least ${PASSWORD_MIN} characters.`} error={errors.password?.message}>
        <input id="password" type="password" autoComplete="new-password" className={inputClass} aria-invalid={Boolean(errors.password)} {...form.register('password')} />
      </Field>
      <Field id="confirmPassword" label="Confirm password" error={errors.confirmPassword?.message}>
        <input id="confirmPassword" type="password" autoComplete="new-password" className={inputClass} aria-invalid={Boolean(errors.confirmPassword)} {...form.register('confirmPassword')} />
      </Field>
      <p role="alert" aria-live="assertive" className="text-sm text-red-700">
        {message}
      </p>
      <button type="submit" className={`${buttonClass} w-full`} disabled={isSubmitting}>
        {isSubmitting ? 'Creating…' : 'Create owner account'}
      </button>
    </ClientForm>
  );
}
