'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { ConfirmRemoveButton } from '@/components/confirm-remove-button';
import { buttonClass, Field, inputClass, secondaryButtonClass } from '@/components/field';
import { addAdmin, removeAdmin, setGrants, transferOwnership } from '@/lib/admins/actions';
import { resetAdminTwoStep } from '@/lib/admins/two-step-actions';
import { newAdminSchema, PASSWORD_MIN } from '@/lib/admins/schema';
import { ClientForm } from '@/components/client-form';

type NewAdminInput = z.input<typeof newAdminSchema>;
type Choice = { id: string; name: string };

export function AddAdminForm({ choices }: { choices: Choice[] }) {
  const router = useRouter();
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const form = useForm<NewAdminInput, unknown, z.output<typeof newAdminSchema>>({
    resolver: zodResolver(newAdminSchema),
    defaultValues: { email: '', password: '', integrationIds: [] },
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
    <ClientForm onSubmit={onSubmit} noValidate className="grid gap-4 sm:grid-cols-2">
      <Field id="new-admin-email" label="Email" error={errors.email?.message}>
        <input id="new-admin-email" type="email" autoComplete="off" className={inputClass} aria-invalid={Boolean(errors.email)} {...form.register('email')} />
      </Field>
      <Field id="new-admin-password" label="Initial password" hint={`At least ${PASSWORD_MIN} characters; share it with them privately.`} error={errors.password?.message}>
        <input id="new-admin-password" type="password" autoComplete="new-password" className={inputClass} aria-invalid={Boolean(errors.password)} {...form.register('password')} />
      </Field>
      <fieldset className="sm:col-span-2">
        <legend className="text-sm font-medium text-slate-800">Integrations they see</legend>
        {choices.length === 0 ? <p className="text-sm text-slate-600">No integration yet.</p> : null}
        {choices.map((choice) => (
          <label key={choice.id} className="mr-4 inline-flex items-center gap-2 text-sm">
            <input type="checkbox" value={choice.id} {...form.register('integrationIds')} />
            {choice.name}
          </label>
        ))}
      </fieldset>
      <div className="flex items-center gap-3 sm:col-span-2">
        <button type="submit" className={buttonClass} disabled={isSubmitting}>Add admin</button>
        <p role="status" aria-live="polite" className={status?.ok ? 'text-sm text-green-800' : 'text-sm text-red-700'}>
          {status?.text ?? ''}
        </p>
      </div>
    </ClientForm>
  );
}

/** Which integrations one admin sees: checkboxes and Save. */
export function GrantsForm({ adminId, email, choices, granted }: { adminId: string; email: string; choices: Choice[]; granted: string[] }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [selected, setSelected] = useState(new Set(granted));
  const [message, setMessage] = useState('');
  return (
    <fieldset className="space-y-1">
      <legend className="text-slate-700">Integrations {email} sees</legend>
      {choices.map((choice) => (
        <label key={choice.id} className="mr-4 inline-flex items-center gap-2">
          <input
            type="checkbox"
            checked={selected.has(choice.id)}
            onChange={(event) => {
              const next = new Set(selected);
              if (event.target.checked) next.add(choice.id);
              else next.delete(choice.id);
              setSelected(next);
            }}
          />
          {choice.name}
        </label>
      ))}
      <span className="inline-flex items-center gap-2">
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={pending}
          aria-label={`Save the integrations of ${email}`}
          onClick={() =>
            startTransition(async () => {
              const result = await setGrants(adminId, { integrationIds: [...selected] });
              setMessage(result.message);
              router.refresh();
            })
          }
        >
          Save
        </button>
        <span role="status" aria-live="polite" className="text-sm text-slate-700">{message}</span>
      </span>
    </fieldset>
  );
}

export function TransferOwnershipButton({ adminId, email }: { adminId: string; email: string }) {
  return (
    <ConfirmRemoveButton
      text="Make owner"
      label={`Make ${email} the owner`}
      question={`Hand ownership to ${email}? They will manage admins and integrations; you become an admin who sees every integration.`}
      remove={() => transferOwnership(adminId)}
    />
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

export function ResetTwoStepButton({ adminId, email }: { adminId: string; email: string }) {
  return (
    <ConfirmRemoveButton
      text="Reset two-step"
      label={`Reset the two-step sign-in of ${email}`}
      question={`Reset the two-step sign-in of ${email}? Their app and recovery codes stop working and their sessions end; they sign in with their password and set it up again.`}
      remove={() => resetAdminTwoStep(adminId)}
    />
  );
}
