'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { ConfirmRemoveButton } from '@/components/confirm-remove-button';
import { buttonClass, Field, inputClass } from '@/components/field';
import { addAdmin, removeAdmin } from '@/lib/admins/actions';
import { newAdminSchema, PASSWORD_MIN } from '@/lib/admins/schema';

type NewAdminInput = z.input<typeof newAdminSchema>;

export function AddAdminForm() {
  const router = useRouter();
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const form = useForm<NewAdminInput, unknown, z.output<typeof newAdminSchema>>({
    resolver: zodResolver(newAdminSchema),
    defaultValues: { email: '', password: '' },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (admin) => {
    const result = await addAdmin(admin);
    for (const [field, text] of Object.entries(result.fieldErrors ?? {})) form.setError(field as keyof NewAdminInput, { message: text });
    setStatus({ ok: result.ok, text: result.message });
    if (result.ok) {
      form.reset();
      router.refresh();
    }
  });

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4 sm:grid-cols-2">
      <Field id="new-admin-email" label="Email" error={errors.email?.message}>
        <input id="new-admin-email" type="email" autoComplete="off" className={inputClass} aria-invalid={Boolean(errors.email)} {...form.register('email')} />
      </Field>
      <Field id="new-admin-password" label="Initial password" hint={`At least ${PASSWORD_MIN} characters; share it with them privately.`} error={errors.password?.message}>
        <input id="new-admin-password" type="password" autoComplete="new-password" className={inputClass} aria-invalid={Boolean(errors.password)} {...form.register('password')} />
      </Field>
      <div className="flex items-center gap-3 sm:col-span-2">
        <button type="submit" className={buttonClass} disabled={isSubmitting}>Add admin</button>
        <p role="status" aria-live="polite" className={status?.ok ? 'text-sm text-green-800' : 'text-sm text-red-700'}>
          {status?.text ?? ''}
        </p>
      </div>
    </form>
  );
}

export function RemoveAdminButton({ adminId, email }: { adminId: string; email: string }) {
  return (
    <ConfirmRemoveButton
      label={`Remove ${email}`}
      question={`Remove ${email}? They will no longer be able to sign in.`}
      remove={() => removeAdmin(adminId)}
    />
  );
}
