'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useForm, type FieldPath } from 'react-hook-form';
import { buttonClass, Field, inputClass } from '@/components/field';
import { saveServerSettings } from '@/lib/server-settings/actions';
import { SERVER_SETTING_LABELS, serverSettingsSchema, type ServerSettingsFormValues, type ServerSettingsValues } from '@/lib/server-settings/schema';
import { ClientForm } from '@/components/client-form';

export function ServerSettingsForm({ initialValues }: { initialValues: ServerSettingsFormValues }) {
  const router = useRouter();
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const form = useForm<ServerSettingsFormValues, unknown, ServerSettingsValues>({ resolver: zodResolver(serverSettingsSchema), defaultValues: initialValues, mode: 'onTouched' });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(
    async (values) => {
      setStatus(null);
      let result;
      try {
        result = await saveServerSettings(
          Object.fromEntries(Object.entries(values).map(([field, value]) => [field, String(value)])),
        );
      } catch {
        return setStatus({ ok: false, text: 'The settings could not be sent. Check your connection and try again; nothing was saved.' });
      }
      for (const [field, message] of Object.entries(result.fieldErrors ?? {})) form.setError(field as FieldPath<ServerSettingsFormValues>, { message });
      setStatus({ ok: result.ok, text: result.message });
      if (result.ok) router.refresh();
    },
    () => setStatus({ ok: false, text: 'Some fields need attention; nothing was saved.' }),
  );

  return (
    <ClientForm onSubmit={onSubmit} noValidate className="space-y-4 rounded-lg bg-white p-5 shadow" aria-label="Server settings">
      {(Object.keys(SERVER_SETTING_LABELS) as Array<keyof ServerSettingsFormValues>).map((name) => (
        <Field key={name} id={name} label={SERVER_SETTING_LABELS[name].label} hint={SERVER_SETTING_LABELS[name].hint} error={errors[name]?.message}>
          <input
            id={name}
            inputMode="numeric"
            className={`${inputClass} max-w-40`}
            aria-invalid={Boolean(errors[name])}
            aria-describedby={`${name}-hint ${name}-error`}
            {...form.register(name)}
          />
        </Field>
      ))}
      <div className="flex flex-wrap items-center gap-4">
        <button type="submit" className={buttonClass} disabled={isSubmitting}>
          {isSubmitting ? 'Saving…' : 'Save server settings'}
        </button>
        <p role="status" aria-live="polite" data-testid="server-settings-status" className={status?.ok ? 'text-sm text-green-800' : 'text-sm text-red-700'}>
          {status?.text ?? ''}
        </p>
      </div>
    </ClientForm>
  );
}
