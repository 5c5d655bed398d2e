'use client';

import { LINK_VALIDITY_MAX_MINUTES } from '@/lib/epic/launch-limits';
import { PEER_TO_PEER_LARGEST_VISIT, SMALLEST_VISIT } from '@/lib/visit/schema';
import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { IMAGE_HEADER_BYTES, readImageHeader } from '@/lib/branding/image-header';
import { useForm, type FieldPath } from 'react-hook-form';
import { buttonClass, Field, inputClass, secondaryButtonClass } from '@/components/field';
import { saveSettings } from '@/lib/settings/actions';
import { IntegrationCheck } from './integration-check';
import { TestNotification } from './test-notification';
import {
  ADMITTANCE_POLICIES,
  ADMITTANCE_POLICY_LABELS,
  AUTH_TYPE_LABELS,
  AUTH_TYPES,
  characterCount,
  ENCRYPTION_ALGORITHMS,
  encryptionSecretWarning,
  EPIC_ENVIRONMENTS,
  LAUNCH_TEXT_MAX,
  LOGO_MAX_HEIGHT,
  LOGO_MAX_WIDTH,
  logoFileSchema,
  PROVIDER_USER_TYPES,
  OAUTH_CLIENT_AUTH_LABELS,
  SCREEN_SHARE_LABELS,
  SCREEN_SHARE_POLICIES,
  OAUTH_CLIENT_AUTH_METHODS,
  largestVisitAllowed,
  settingsSchema,
  type SecretField,
  type SettingsContext,
  type SettingsFormValues,
  type SettingsValues,
  type StoredSecrets,
} from '@/lib/settings/schema';
import { ClientForm } from '@/components/client-form';

interface Props {
  /** The integration edited; null for a new one (the owner adds it). */
  integrationId: string | null;
  initialValues: SettingsFormValues;
  storedSecrets: StoredSecrets;
  secretHints: Record<SecretField, string | null>;
  logoSrc: string | null;
  server: SettingsContext & { oauthRedirectUri: string | null };
}

const CARRIED_STATUS = 'televisit:settings-saved';

type LogoCheck = { state: 'none' } | { state: 'checking'; done: Promise<void> } | { state: 'ok'; file: File } | { state: 'refused'; message: string };

export function SettingsForm({ integrationId, initialValues, storedSecrets, secretHints, logoSrc, server }: Props) {
  const router = useRouter();
  const schema = useMemo(() => settingsSchema(storedSecrets, server), [storedSecrets, server]);
  const form = useForm<SettingsFormValues, unknown, SettingsValues>({
    resolver: zodResolver(schema),
    defaultValues: initialValues,
    mode: 'onTouched',
  });
  const { errors, isSubmitting, dirtyFields } = form.formState;
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  // A new integration's first save moves to its own URL, which mounts this form anew: the save's
  // answer is carried over, and stays until the next save.
  useEffect(() => {
    const carried = sessionStorage.getItem(CARRIED_STATUS);
    if (carried === null) return;
    sessionStorage.removeItem(CARRIED_STATUS);
    setStatus(JSON.parse(carried) as { ok: boolean; text: string });
  }, []);
  const [logo, setLogo] = useState<LogoCheck>({ state: 'none' });
  const logoRef = useRef(logo);
  logoRef.current = logo;
  const logoInput = useRef<HTMLInputElement>(null);
  const [removeLogo, setRemoveLogo] = useState(false);
  const logoFile = logo.state === 'ok' ? logo.file : null;
  const logoError = logo.state === 'refused' ? logo.message : '';
  const previewUrl = useObjectUrl(logoFile);

  const authType = form.watch('authType');
  const environment = form.watch('epicEnvironment');
  const customText = form.watch('customText');
  const secretWarning = encryptionSecretWarning(form.watch('encryptionAlgorithm'), form.watch('encryptionSecret') ?? '');

  const onSubmit = form.handleSubmit(async () => {
    setStatus(null);
    // A logo still being checked is waited for; a refused one stops the save, and says why.
    if (logoRef.current.state === 'checking') await logoRef.current.done;
    const checked = logoRef.current;
    if (checked.state === 'refused') {
      setStatus({ ok: false, text: `The logo cannot be used: ${checked.message}. Choose another file, or clear it; nothing was saved.` });
      logoInput.current?.focus();
      return;
    }
    const body = new FormData();
    body.set('integrationId', integrationId ?? 'new');
    // The raw form values go up; the server parses them with the same schema.
    body.set('settings', JSON.stringify(form.getValues()));
    if (checked.state === 'ok') body.set('logo', checked.file);
    if (removeLogo) body.set('removeLogo', '1');
    let result;
    try {
      result = await saveSettings(body);
    } catch {
      setStatus({ ok: false, text: 'The settings could not be sent. Check your connection and try again; nothing was saved.' });
      return;
    }
    for (const [field, message] of Object.entries(result.fieldErrors ?? {})) {
      if (field === 'logo') setLogo({ state: 'refused', message });
      else form.setError(field as FieldPath<SettingsFormValues>, { message });
    }
    setStatus({ ok: result.ok, text: result.message });
    if (result.ok) {
      // Saved secrets leave the page; the hints from the refreshed page say they are set.
      form.reset({ ...form.getValues(), encryptionSecret: '', authPassword: '', oauthClientSecret: '', removeOauthClientSecret: false });
      setLogo({ state: 'none' });
      if (logoInput.current) logoInput.current.value = '';
      setRemoveLogo(false);
      if (!integrationId && result.integrationId) {
        sessionStorage.setItem(CARRIED_STATUS, JSON.stringify({ ok: true, text: result.message }));
        router.replace(`/admin/settings?integration=${result.integrationId}`);
      }
      router.refresh();
    }
  }, () => setStatus({ ok: false, text: 'Some fields need attention; nothing was saved.' }));

  const text = (name: FieldPath<SettingsFormValues>, extra: Record<string, unknown> = {}) => ({
    id: name,
    className: inputClass,
    'aria-invalid': Boolean(errors[name as keyof typeof errors]),
    'aria-describedby': `${name}-hint ${name}-error`,
    ...extra,
    ...form.register(name),
  });
  const error = (name: keyof SettingsFormValues) => errors[name]?.message;

  function chooseLogo(file: File | undefined) {
    setRemoveLogo(false);
    if (!file) return setLogo({ state: 'none' });
    const done = checkLogo(file).then((message) => setLogo(message ? { state: 'refused', message } : { state: 'ok', file }));
    setLogo({ state: 'checking', done });
  }

  function generateSecret() {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    form.setValue('encryptionAlgorithm', 'AES-256-CBC');
    form.setValue('encryptionSecret', btoa(String.fromCharCode(...bytes)), { shouldDirty: true, shouldValidate: true });
  }

  const shownLogo = previewUrl ?? (removeLogo ? null : logoSrc);

  return (
    <ClientForm onSubmit={onSubmit} noValidate className="space-y-6" aria-label="Epic integration settings">
      <Section title="Integration">
        <Field id="name" label="Name" hint="What admins call this integration: the Epic organization or environment." error={error('name')}>
          <input autoComplete="off" {...text('name')} />
        </Field>
      </Section>
      <Section title="Meeting hosting">
        <Field id="defaultHostEmail" label="Default Host User Email" hint="Hosts every video visit until the provider joins." error={error('defaultHostEmail')}>
          <input type="email" autoComplete="off" {...text('defaultHostEmail')} />
        </Field>
        <Field id="providerUserType" label="Provider User Type" hint="Given to provider accounts created automatically at launch." error={error('providerUserType')}>
          <select {...text('providerUserType')}>
            {PROVIDER_USER_TYPES.map((type) => (
              <option key={type} value={type}>{type}</option>
            ))}
          </select>
        </Field>
      </Section>

      <Section title="Launch link encryption">
        <Field id="encryptionKey" label="Encryption Key" hint="The public key in every launch link (key=…). Give it to your Epic analyst with the secret." error={error('encryptionKey')}>
          <input autoComplete="off" spellCheck={false} {...text('encryptionKey')} />
        </Field>
        <Field id="encryptionAlgorithm" label="Encryption Algorithm" hint="AES-256-CBC for Epic August 2019 and later; AES-128-CBC for older Epic versions." error={error('encryptionAlgorithm')}>
          <select {...text('encryptionAlgorithm')}>
            {ENCRYPTION_ALGORITHMS.map((algorithm) => (
              <option key={algorithm} value={algorithm}>{algorithm}</option>
            ))}
          </select>
        </Field>
        <Field
          id="encryptionSecret"
          label="Encryption Secret"
          hint={secretHint(secretHints.encryptionSecret, 'AES-256-CBC: base64 of 32 bytes. AES-128-CBC: the plain-text secret.')}
          error={error('encryptionSecret')}
        >
          <div className="flex gap-2">
            <input autoComplete="off" spellCheck={false} placeholder={storedSecrets.encryptionSecret ? 'Leave empty to keep the stored secret' : ''} {...text('encryptionSecret')} />
            <button type="button" className={secondaryButtonClass} onClick={generateSecret}>
              Generate
            </button>
          </div>
          {secretWarning ? (
            <p className="rounded bg-amber-50 p-2 text-sm text-amber-900" data-testid="encryptionSecret-warning">
              {secretWarning}
            </p>
          ) : null}
        </Field>
      </Section>

      <Section title="Epic">
        <Field id="epicEnvironment" label="Epic Environment" error={error('epicEnvironment')}>
          <select {...text('epicEnvironment')}>
            {EPIC_ENVIRONMENTS.map((name) => (
              <option key={name} value={name}>{name}</option>
            ))}
          </select>
        </Field>
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium text-slate-800">Default Patient Admittance Policy</legend>
          {ADMITTANCE_POLICIES.map((policy) => (
            <label key={policy} className="flex items-center gap-2 text-sm">
              <input type="radio" value={policy} {...form.register('admittancePolicy')} />
              {ADMITTANCE_POLICY_LABELS[policy]}
            </label>
          ))}
        </fieldset>
        <Field id="epicClientId" label="Epic Client ID" hint="Sent as the Epic-Client-ID header on every call to Epic, when set." error={error('epicClientId')}>
          <input autoComplete="off" spellCheck={false} {...text('epicClientId')} />
        </Field>
        <Field id="vendorName" label="Vendor Name" hint="Sent to Epic with every notification." error={error('vendorName')}>
          <input autoComplete="off" {...text('vendorName')} />
        </Field>
        <Field id="epicTimeZone" label="Epic server time zone" hint="IANA name, used to read AppointmentTime (e.g. America/Chicago)." error={error('epicTimeZone')}>
          <input autoComplete="off" spellCheck={false} {...text('epicTimeZone')} />
        </Field>
        <Field
          id="defaultLinkValidityMinutes"
          label="Default link validity (minutes)"
          hint={`Used when a link has no LinkValidityPeriod. 0 means links never expire; at most ${LINK_VALIDITY_MAX_MINUTES}.`}
          error={error('defaultLinkValidityMinutes')}
        >
          <input inputMode="numeric" {...text('defaultLinkValidityMinutes')} />
        </Field>
      </Section>

      <Section title="Authorization of Epic notifications">
        <Field id="authType" label="Authorization Type" error={error('authType')}>
          <select {...text('authType')}>
            {AUTH_TYPES.map((type) => (
              <option key={type} value={type}>{AUTH_TYPE_LABELS[type]}</option>
            ))}
          </select>
        </Field>
        {authType === 'basic' ? (
          <>
            <Field id="authName" label="Auth Name" hint="Epic expects the user as emp$<user>, for example emp$TELEVISIT." error={error('authName')}>
              <input autoComplete="off" spellCheck={false} {...text('authName')} />
            </Field>
            <Field id="authPassword" label="Auth Password" hint={secretHint(secretHints.authPassword, 'The password of that Epic user. It goes only to the endpoint hosts it was saved with: pointing an endpoint at a new host needs it entered again in the same save.')} error={error('authPassword')}>
              <input type="password" autoComplete="new-password" placeholder={storedSecrets.authPassword ? 'Leave empty to keep the stored password' : ''} {...text('authPassword')} />
            </Field>
          </>
        ) : null}
        {authType === 'oauth' ? (
          <>
            <div className="rounded bg-slate-50 p-3 text-sm" data-testid="oauth-redirect-uri">
              <p className="font-medium text-slate-800">Redirect URI to register with Epic</p>
              {server.oauthRedirectUri ? (
                <p className="mt-1 break-all font-mono text-xs select-all">{server.oauthRedirectUri}</p>
              ) : (
                <p className="mt-1 text-red-700">
                  Not available: this server has no public address. Set NEXTAUTH_URL to its public URL (see README) and restart.
                </p>
              )}
            </div>
            <Field id="oauthClientIdTest" label="OAuth Client ID (Test)" hint={environment === 'Test' ? 'Required: Epic Environment is Test.' : 'Used when Epic Environment is Test.'} error={error('oauthClientIdTest')}>
              <input autoComplete="off" spellCheck={false} {...text('oauthClientIdTest')} />
            </Field>
            <Field id="oauthIssuersTest" label="Allowed Epic FHIR base URLs (Test)" hint="One per line, e.g. https://fhir.example.org/api/FHIR/R4" error={error('oauthIssuersTest')}>
              <textarea rows={3} spellCheck={false} {...text('oauthIssuersTest')} />
            </Field>
            <Field id="oauthClientIdProduction" label="OAuth Client ID (Production)" hint={environment === 'Production' ? 'Required: Epic Environment is Production.' : 'Used when Epic Environment is Production.'} error={error('oauthClientIdProduction')}>
              <input autoComplete="off" spellCheck={false} {...text('oauthClientIdProduction')} />
            </Field>
            <Field id="oauthIssuersProduction" label="Allowed Epic FHIR base URLs (Production)" hint="One per line; https only." error={error('oauthIssuersProduction')}>
              <textarea rows={3} spellCheck={false} {...text('oauthIssuersProduction')} />
            </Field>
            <Field id="oauthClientSecret" label="OAuth Client Secret" hint={secretHint(secretHints.oauthClientSecret, 'Optional: only for confidential clients. It goes only to the issuers it was saved with: a base URL on a new host removes it unless you enter it again in the same save.')} error={error('oauthClientSecret')}>
              <input type="password" autoComplete="new-password" placeholder={storedSecrets.oauthClientSecret ? 'Leave empty to keep the stored secret' : ''} {...text('oauthClientSecret')} />
            </Field>
            {storedSecrets.oauthClientSecret ? (
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" {...form.register('removeOauthClientSecret')} />
                Remove the client secret (Epic registered this client as a public one)
              </label>
            ) : null}
            <Field id="oauthClientAuth" label="Send the client secret" hint="How a confidential client proves itself at Epic's token endpoint." error={error('oauthClientAuth')}>
              <select {...text('oauthClientAuth')}>
                {OAUTH_CLIENT_AUTH_METHODS.map((method) => (
                  <option key={method} value={method}>{OAUTH_CLIENT_AUTH_LABELS[method]}</option>
                ))}
              </select>
            </Field>
          </>
        ) : null}
      </Section>

      <Section title="Epic endpoints">
        <Field id="connectionStatusUrl" label="Epic Connection Status Endpoint URL" hint="Join and leave notifications (the green light) go here." error={error('connectionStatusUrl')}>
          <input type="url" autoComplete="off" spellCheck={false} {...text('connectionStatusUrl')} />
        </Field>
        <Field id="deviceTestUrl" label="Epic Device Test Endpoint URL" hint="Device test results go here." error={error('deviceTestUrl')}>
          <input type="url" autoComplete="off" spellCheck={false} {...text('deviceTestUrl')} />
        </Field>
        <Field id="deviceTestHelpUrl" label="Device Test Help Endpoint URL" hint="Where patients go when they ask for help during a device test." error={error('deviceTestHelpUrl')}>
          <input type="url" autoComplete="off" spellCheck={false} {...text('deviceTestHelpUrl')} />
        </Field>
        <TestNotification integrationId={integrationId} endpointSaved={Boolean(initialValues.connectionStatusUrl)} />
      </Section>

      <Section title="Meeting policies">
        <Field id="screenSharePolicy" label="Screen sharing" hint="Who may show their screen in a visit. The server refuses a share from anyone else." error={error('screenSharePolicy')}>
          <select {...text('screenSharePolicy')}>
            {SCREEN_SHARE_POLICIES.map((policy) => (
              <option key={policy} value={policy}>{SCREEN_SHARE_LABELS[policy]}</option>
            ))}
          </select>
        </Field>
        <Field
          id="largestVisit"
          label="Largest visit"
          hint={`People in one visit at once, the provider included: ${SMALLEST_VISIT} to ${largestVisitAllowed(server)}. Anyone past it is told the visit is full; someone already in is never refused. ${server.mediaServerConfigured ? `Above ${PEER_TO_PEER_LARGEST_VISIT}, the video goes through the media server.` : `More than ${PEER_TO_PEER_LARGEST_VISIT} needs the media server (JANUS_URL).`}`}
          error={error('largestVisit')}
        >
          <input type="number" inputMode="numeric" min={SMALLEST_VISIT} max={largestVisitAllowed(server)} step={1} {...text('largestVisit')} />
        </Field>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" {...form.register('chatEnabled')} />
          In-visit chat (each message is shown only to the people in the call when it was sent, and deleted with the visit)
        </label>
        <p className="rounded bg-slate-50 p-3 text-sm text-slate-700" data-testid="no-recording">
          Recording: Televisit never records visits. Video and sound go straight between the people in the call and are never stored.
        </p>
      </Section>

      <Section title="Customize Launch Page">
        <Field
          id="customText"
          label="Custom Text"
          hint={
            <span aria-live="polite" data-testid="custom-text-counter">
              {characterCount(customText ?? '')} / {LAUNCH_TEXT_MAX} characters
            </span>
          }
          error={error('customText')}
        >
          <textarea rows={3} {...text('customText')} />
        </Field>
        <Field
          id="logo"
          label="Custom Logo"
          hint={logo.state === 'checking' ? 'Checking the logo…' : `PNG or JPEG, at most 2 MB and ${LOGO_MAX_WIDTH}x${LOGO_MAX_HEIGHT} pixels.`}
          error={logoError}
        >
          <input
            id="logo"
            ref={logoInput}
            type="file"
            accept="image/png,image/jpeg"
            aria-invalid={Boolean(logoError)}
            aria-describedby="logo-hint logo-error"
            className="block max-w-full text-sm"
            onChange={(event) => chooseLogo(event.target.files?.[0])}
          />
        </Field>
        {shownLogo ? (
          <div className="flex items-center gap-4">
            {/* eslint-disable-next-line @next/next/no-img-element -- a local preview or our own hashed URL */}
            <img src={shownLogo} alt="Custom logo preview" className="max-h-32 max-w-xs rounded border border-slate-200 bg-white p-2" />
            <button
              type="button"
              className={secondaryButtonClass}
              onClick={() => {
                setLogo({ state: 'none' });
                if (logoInput.current) logoInput.current.value = '';
                setRemoveLogo(true);
              }}
            >
              Remove logo
            </button>
          </div>
        ) : null}
        {removeLogo ? <p className="text-sm text-slate-600">The logo will be removed when you save.</p> : null}
      </Section>

      {integrationId ? (
        <Section title="Integration check">
          <IntegrationCheck
            integrationId={integrationId}
            unsavedFields={[...Object.keys(dirtyFields), ...(logo.state !== 'none' || removeLogo ? ['logo'] : [])]}
          />
        </Section>
      ) : null}

      <div className="sticky bottom-0 flex items-center gap-4 border-t border-slate-200 bg-slate-50 py-3">
        <button type="submit" className={buttonClass} disabled={isSubmitting}>
          {isSubmitting ? 'Saving…' : 'Save Changes'}
        </button>
        <p role="status" aria-live="polite" data-testid="save-status" className={status?.ok ? 'text-sm text-green-800' : 'text-sm text-red-700'}>
          {status?.text ?? ''}
        </p>
      </div>
    </ClientForm>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="space-y-4 rounded-lg bg-white p-5 shadow" aria-labelledby={sectionId(title)}>
      <h2 id={sectionId(title)} className="text-base font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

function secretHint(lastFour: string | null, about: string): string {
  if (lastFour === null) return about;
  return `${about} Set${lastFour ? `, ending in ${lastFour}` : ''}; leave empty to keep it.`;
}

function sectionId(title: string): string {
  return `section-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
}

function useObjectUrl(file: File | null): string | null {
  const url = useMemo(() => (file ? URL.createObjectURL(file) : null), [file]);
  useEffect(() => () => {
    if (url) URL.revokeObjectURL(url);
  }, [url]);
  return url;
}

/**
 * Why the file cannot be the logo, from its size and its first bytes (never by decoding it, so a
 * decompression bomb costs nothing); null when it may go to the server, which checks it again.
 */
async function checkLogo(file: File): Promise<string | null> {
  const size = logoFileSchema.safeParse(file);
  if (!size.success) return size.error.issues[0]?.message ?? 'Choose a PNG or JPEG file';
  const header = readImageHeader(new Uint8Array(await file.slice(0, IMAGE_HEADER_BYTES).arrayBuffer()));
  if (header.format === 'other') return 'The logo must be a PNG or JPEG image';
  if (header.width > LOGO_MAX_WIDTH || header.height > LOGO_MAX_HEIGHT) {
    return `The logo is ${header.width}x${header.height} pixels; the maximum is ${LOGO_MAX_WIDTH}x${LOGO_MAX_HEIGHT}`;
  }
  return null;
}
