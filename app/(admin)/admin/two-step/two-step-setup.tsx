'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { ClientForm } from '@/components/client-form';
import { buttonClass, Field, inputClass, secondaryButtonClass } from '@/components/field';
import { twoStepCodeSchema } from '@/lib/admins/schema';
import { confirmTwoStepSetup, startTwoStepSetup, type TwoStepSetup as Setup } from '@/lib/admins/two-step-actions';

type Started = Extract<Setup, { ok: true }>;

/** Set up (or, with `again`, move to a new phone): a QR code and its secret in words, a code typed back, then the recovery codes once. */
export function TwoStepSetup({ again = false }: { again?: boolean }) {
  const [started, setStarted] = useState<Started | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [message, setMessage] = useState('');
  const [starting, setStarting] = useState(false);

  if (codes) return <RecoveryCodes codes={codes} />;
  if (!started) {
    return (
      <div className="space-y-2">
        <button
          type="button"
          className={again ? secondaryButtonClass : buttonClass}
          disabled={starting}
          onClick={async () => {
            setStarting(true);
            setMessage('');
            try {
              const result = await startTwoStepSetup();
              if (result.ok) setStarted(result);
              else setMessage(result.message);
            } catch {
              setMessage('The server could not be reached. Check your connection and try again.');
            } finally {
              setStarting(false);
            }
          }}
        >
          {again ? 'Set up on a new phone' : 'Set up two-step sign-in'}
        </button>
        <p role="status" aria-live="polite" className="text-sm text-red-700">
          {message}
        </p>
      </div>
    );
  }
  return <ScanAndConfirm started={started} onConfirmed={setCodes} />;
}

function ScanAndConfirm({ started, onConfirmed }: { started: Started; onConfirmed: (codes: string[]) => void }) {
  const [message, setMessage] = useState('');
  const form = useForm<z.input<typeof twoStepCodeSchema>, unknown, z.output<typeof twoStepCodeSchema>>({ resolver: zodResolver(twoStepCodeSchema), defaultValues: { code: '' } });
  const { errors, isSubmitting } = form.formState;
  const onSubmit = form.handleSubmit(async (values) => {
    setMessage('');
    try {
      const result = await confirmTwoStepSetup(values);
      if (result.ok) onConfirmed(result.recoveryCodes);
      else form.setError('code', { message: result.fieldErrors?.code ?? result.message });
    } catch {
      setMessage('The server could not be reached. Check your connection and try again.');
    }
  });
  return (
    <section aria-labelledby="scan-heading" className="space-y-3 rounded-lg bg-white p-5 shadow">
      <h2 id="scan-heading" className="font-semibold">
        1. Scan this code with your authenticator app
      </h2>
      <svg role="img" aria-label="QR code to add Televisit to an authenticator app" viewBox={`0 0 ${started.qr.size} ${started.qr.size}`} className="h-48 w-48 bg-white" shapeRendering="crispEdges" data-testid="two-step-qr">
        <path d={started.qr.path} fill="#000" />
      </svg>
      <p className="text-sm text-slate-700">
        Cannot scan? Add an account by hand with this key (time-based, 6 digits):{' '}
        <code className="break-all rounded bg-slate-100 px-1 font-mono" data-testid="two-step-secret">
          {started.secret.replace(/(.{4})/g, '$1 ').trim()}
        </code>
      </p>
      <ClientForm onSubmit={onSubmit} noValidate className="space-y-3">
        <Field id="code" label="2. Type the 6-digit code the app shows" error={errors.code?.message}>
          <input id="code" inputMode="numeric" autoComplete="one-time-code" className={`${inputClass} max-w-40`} aria-invalid={Boolean(errors.code)} aria-describedby="code-error" {...form.register('code')} />
        </Field>
        <button type="submit" className={buttonClass} disabled={isSubmitting}>
          {isSubmitting ? 'Checking…' : 'Turn on two-step sign-in'}
        </button>
        <p role="status" aria-live="polite" className="text-sm text-red-700">
          {message}
        </p>
      </ClientForm>
    </section>
  );
}

/** The recovery codes, shown this once: focus moves here so a screen reader hears them. */
function RecoveryCodes({ codes }: { codes: string[] }) {
  const router = useRouter();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section aria-labelledby="codes-heading" className="space-y-3 rounded-lg bg-white p-5 shadow">
      <h2 id="codes-heading" ref={heading} tabIndex={-1} className="font-semibold">
        Two-step sign-in is on. Keep these recovery codes
      </h2>
      <p className="text-sm text-slate-700">
        Each signs you in once without your phone. They are shown only now: print them or keep them in a password manager. Your other sessions were
        signed out.
      </p>
      <ol className="grid grid-cols-2 gap-2 font-mono text-sm" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code} className="rounded bg-slate-100 px-2 py-1">
            {code}
          </li>
        ))}
      </ol>
      <button
        type="button"
        className={buttonClass}
        onClick={() => {
          router.push('/admin');
          router.refresh();
        }}
      >
        I have kept them
      </button>
    </section>
  );
}
