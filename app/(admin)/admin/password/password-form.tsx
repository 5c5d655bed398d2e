'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm, type FieldPath } from 'react-hook-form';
import type { z } from 'zod';
import { ClientForm } from '@/components/client-form';
import { buttonClass, Field, inputClass } from '@/components/field';
import { changeOwnPassword } from '@/lib/admins/password-actions';
import { changePasswordSchema, PASSWORD_MIN } from '@/lib/admins/schema';

type Values = z.input<typeof changePasswordSchema>;

const FIELDS: Array<{ name: FieldPath<Values>; label: string; autoComplete: string; hint?: string }> = [
  { name: 'currentPassword', label: 'Current password', autoComplete: 'current-password' },
  { name: 'newPassword', label: 'New password', autoComplete: 'new-password', hint: `At least ${PASSWORD_MIN} characters; a few unrelated words make a strong one.` },
  { name: 'confirmPassword', label: 'New password again', autoComplete: 'new-password' },
];

export function PasswordForm() {
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const form = useForm<Values, unknown, z.output<typeof changePasswordSchema>>({
    resolver: zodResolver(changePasswordSchema),
    defaultValues: { currentPassword: '', newPassword: '', confirmPassword: '' },
  });
  const { errors, isSubmitting } = form.formState;
  const onSubmit = form.handleSubmit(async (values) => {
    setStatus(null);
    let result;
    try {
      result = await changeOwnPassword(values);
    } catch {
      return setStatus({ ok: false, text: 'The server could not be reached. Check your connection and try again; the password was not changed.' });
    }
    for (const [field, message] of Object.entries(result.fieldErrors ?? {})) form.setError(field as FieldPath<Values>, { message });
    setStatus({ ok: result.ok, text: result.message });
    if (result.ok) form.reset();
  });
  return (
    <ClientForm onSubmit={onSubmit} noValidate className="space-y-4 rounded-lg bg-white p-5 shadow" aria-label="Change your password">
      {FIELDS.map((field) => (
        <Field key={field.name} id={field.name} label={field.label} hint={field.hint} error={errors[field.name]?.message}>
          <input
            id={field.name}
            type="password"
            autoComplete={field.autoComplete}
            className={inputClass}
            aria-invalid={Boolean(errors[field.name])}
            aria-describedby={`${field.hint ? `${field.name}-hint ` : ''}${field.name}-error`}
            {...form.register(field.name)}
          />
        </Field>
      ))}
      <div className="flex flex-wrap items-center gap-4">
        <button type="submit" className={buttonClass} disabled={isSubmitting}>
          {isSubmitting ? 'Changing…' : 'Change password'}
        </button>
        <p role="status" aria-live="polite" data-testid="password-status" className={status?.ok ? 'text-sm text-green-800' : 'text-sm text-red-700'}>
          {status?.text ?? ''}
        </p>
      </div>
    </ClientForm>
  );
}
