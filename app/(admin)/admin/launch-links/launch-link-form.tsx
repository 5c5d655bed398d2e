'use client';

import { LINK_VALIDITY_MAX_MINUTES } from '@/lib/epic/launch-limits';
import { zodResolver } from '@hookform/resolvers/zod';
import { useRef, useState } from 'react';
import { useForm, type FieldPath } from 'react-hook-form';
import { buttonClass, Field, inputClass, secondaryButtonClass } from '@/components/field';
import { generateSampleLink } from '@/lib/epic/sample-link';
import {
  DEFAULT_LINK_VALIDITY_MINUTES,
  sampleLinkSchema,
  USER_TYPES,
  type SampleLink,
  type SampleLinkInput,
} from '@/lib/epic/sample-link-schema';
import { ClientForm } from '@/components/client-form';

export function LaunchLinkForm({ initialSessionId, integrations }: { initialSessionId: string; integrations: Array<{ id: string; name: string; encryptionKey: string }> }) {
  const form = useForm<SampleLinkInput, unknown, SampleLink>({
    resolver: zodResolver(sampleLinkSchema),
    defaultValues: {
      integrationId: integrations[0]?.id ?? '',
      roomName: '',
      userType: 'Patient',
      sessionId: initialSessionId,
      conferenceId: '',
      externalId: '',
      firstName: '',
      lastName: '',
      email: '',
      linkValidityMinutes: String(DEFAULT_LINK_VALIDITY_MINUTES),
      deviceTest: false,
    },
  });
  const { errors, isSubmitting } = form.formState;
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [generated, setGenerated] = useState<{ link: string; plaintext: string } | null>(null);
  const [copyStatus, setCopyStatus] = useState('');
  const linkBox = useRef<HTMLTextAreaElement>(null);

  const onSubmit = form.handleSubmit(
    async () => {
      setStatus(null);
      setGenerated(null);
      setCopyStatus('');
      // The raw values go up; the action parses them with the same schema.
      const result = await generateSampleLink(form.getValues());
      for (const [field, message] of Object.entries(result.fieldErrors ?? {})) form.setError(field as FieldPath<SampleLinkInput>, { message });
      setStatus({ ok: result.ok, text: result.message });
      if (result.ok && result.link && result.plaintext) setGenerated({ link: result.link, plaintext: result.plaintext });
    },
    () => setStatus({ ok: false, text: 'Some fields need attention.' }),
  );

  async function copyLink() {
    if (!generated) return;
    try {
      await navigator.clipboard.writeText(generated.link);
      setCopyStatus('Copied.');
    } catch {
      // The clipboard API needs a secure context and permission; selecting lets the admin copy by hand.
      linkBox.current?.select();
      setCopyStatus('Copying was blocked: the link is selected, press Ctrl+C (⌘C on a Mac).');
    }
  }

  const text = (name: FieldPath<SampleLinkInput>) => ({
    id: name,
    className: inputClass,
    'aria-invalid': Boolean(errors[name]),
    'aria-describedby': `${name}-hint ${name}-error`,
    ...form.register(name),
  });

  return (
    <div className="space-y-4">
      <ClientForm onSubmit={onSubmit} noValidate aria-label="Sample launch link" className="grid gap-4 rounded-lg bg-white p-5 shadow sm:grid-cols-2">
        <Field id="integrationId" label="Integration" error={errors.integrationId?.message}>
          <select {...text('integrationId')}>
            {integrations.map((integration) => (
              <option key={integration.id} value={integration.id}>
                {integration.name} (key {integration.encryptionKey})
              </option>
            ))}
          </select>
        </Field>
        <Field id="userType" label="User Type" error={errors.userType?.message}>
          <select {...text('userType')}>
            {USER_TYPES.map((type) => (
              <option key={type} value={type}>{type}</option>
            ))}
          </select>
        </Field>
        <Field id="sessionId" label="SessionID" hint="The Epic visit, usually the encounter CSN. Use the same one for the patient and the provider." error={errors.sessionId?.message}>
          <input autoComplete="off" spellCheck={false} {...text('sessionId')} />
        </Field>
        <Field id="conferenceId" label="ConferenceID (optional)" hint="For group visits: when set, it picks the meeting instead of the SessionID." error={errors.conferenceId?.message}>
          <input autoComplete="off" spellCheck={false} {...text('conferenceId')} />
        </Field>
        <Field id="externalId" label="ExternalID" hint="The participant's Epic user ID: letters and digits." error={errors.externalId?.message}>
          <input autoComplete="off" spellCheck={false} {...text('externalId')} />
        </Field>
        <Field id="firstName" label="FirstName (optional)" error={errors.firstName?.message}>
          <input autoComplete="off" {...text('firstName')} />
        </Field>
        <Field id="lastName" label="LastName (optional)" error={errors.lastName?.message}>
          <input autoComplete="off" {...text('lastName')} />
        </Field>
        <Field id="email" label="Email (optional)" hint="Providers with an email are matched to an existing account by it." error={errors.email?.message}>
          <input type="email" autoComplete="off" {...text('email')} />
        </Field>
        <Field id="roomName" label="RoomName (optional)" hint="A provider's link with a room's name calls that room's device (a monitor call)." error={errors.roomName?.message}>
          <input autoComplete="off" {...text('roomName')} />
        </Field>
        <Field
          id="linkValidityMinutes"
          label="LinkValidityPeriod (minutes)"
          hint={`From now. 0 means the link never expires; at most ${LINK_VALIDITY_MAX_MINUTES}. Empty leaves it out of the link, so the integration's default applies.`}
          error={errors.linkValidityMinutes?.message}
        >
          <input inputMode="numeric" autoComplete="off" {...text('linkValidityMinutes')} />
        </Field>
        <div className="sm:col-span-2">
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" {...form.register('deviceTest')} />
            Open the device test first (adds mode=devicetest)
          </label>
        </div>
        <div className="flex flex-wrap items-center gap-3 sm:col-span-2">
          <button type="submit" className={buttonClass} disabled={isSubmitting}>
            {isSubmitting ? 'Generating…' : 'Generate link'}
          </button>
          <p role="status" aria-live="polite" data-testid="sample-link-status" className={status?.ok ? 'text-sm text-green-800' : 'text-sm text-red-700'}>
            {status?.text ?? ''}
          </p>
        </div>
      </ClientForm>

      {generated ? (
        <section aria-labelledby="generated-link-heading" className="space-y-4 rounded-lg bg-white p-5 shadow">
          <h2 id="generated-link-heading" className="text-base font-semibold">
            Generated link
          </h2>
          <div className="space-y-1">
            <label htmlFor="generated-link" className="block text-sm font-medium text-slate-800">
              Launch link
            </label>
            <textarea ref={linkBox} id="generated-link" readOnly rows={4} value={generated.link} className={`${inputClass} font-mono text-xs break-all`} />
            <div className="flex flex-wrap items-center gap-3">
              <button type="button" className={secondaryButtonClass} onClick={() => void copyLink()}>
                Copy
              </button>
              <a href={generated.link} target="_blank" rel="noreferrer" className={secondaryButtonClass}>
                Open
              </a>
              <span role="status" aria-live="polite" className="text-sm text-slate-700">
                {copyStatus}
              </span>
            </div>
          </div>
          <div className="space-y-1">
            <label htmlFor="generated-plaintext" className="block text-sm font-medium text-slate-800">
              Plaintext before encryption
            </label>
            <textarea id="generated-plaintext" readOnly rows={3} value={generated.plaintext} className={`${inputClass} font-mono text-xs break-all`} />
            <p className="text-xs text-slate-600">Compare it with the fields your FDI record sends; names are matched without regard to case, and their order does not matter.</p>
          </div>
        </section>
      ) : null}
    </div>
  );
}
