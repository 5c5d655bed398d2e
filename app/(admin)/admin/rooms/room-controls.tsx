'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { ConfirmRemoveButton } from '@/components/confirm-remove-button';
import { buttonClass, Field, inputClass, secondaryButtonClass } from '@/components/field';
import { createRoom, newPairingCode, removeRoom, unpairDevice, type RoomActionResult } from '@/lib/rooms/actions';
import { ROOM_LOCATION_MAX, ROOM_NAME_MAX, roomSchema } from '@/lib/rooms/schema';
import { ClientForm } from '@/components/client-form';

type RoomInput = z.input<typeof roomSchema>;

export function AddRoomForm({ integrations, defaultIntegrationId }: { integrations: Array<{ id: string; name: string }>; defaultIntegrationId: string }) {
  const router = useRouter();
  const [result, setResult] = useState<RoomActionResult | null>(null);
  const form = useForm<RoomInput, unknown, z.output<typeof roomSchema>>({
    resolver: zodResolver(roomSchema),
    defaultValues: { integrationId: defaultIntegrationId, name: '', location: '' },
  });
  const { errors, isSubmitting } = form.formState;
  const onSubmit = form.handleSubmit(async (room) => {
    const answer = await createRoom(room);
    for (const [field, text] of Object.entries(answer.fieldErrors ?? {})) form.setError(field as keyof RoomInput, { message: text });
    setResult(answer);
    if (answer.ok) {
      form.reset({ integrationId: room.integrationId, name: '', location: '' });
      router.refresh();
    }
  });
  return (
    <div className="space-y-3">
      <ClientForm onSubmit={onSubmit} noValidate className="grid gap-4 sm:grid-cols-3">
        <Field id="room-integration" label="Integration" error={errors.integrationId?.message}>
          <select id="room-integration" className={inputClass} {...form.register('integrationId')}>
            {integrations.map((integration) => (
              <option key={integration.id} value={integration.id}>{integration.name}</option>
            ))}
          </select>
        </Field>
        <Field id="room-name" label="Room name" hint="Exactly as Epic sends it in RoomName." error={errors.name?.message}>
          <input id="room-name" autoComplete="off" maxLength={ROOM_NAME_MAX} className={inputClass} aria-invalid={Boolean(errors.name)} {...form.register('name')} />
        </Field>
        <Field id="room-location" label="Location (optional)" hint="Where the device is, for the people who look after it." error={errors.location?.message}>
          <input id="room-location" autoComplete="off" maxLength={ROOM_LOCATION_MAX} className={inputClass} aria-invalid={Boolean(errors.location)} {...form.register('location')} />
        </Field>
        <div className="sm:col-span-3">
          <button type="submit" className={buttonClass} disabled={isSubmitting}>Add room</button>
        </div>
      </ClientForm>
      <ActionOutcome result={result} />
    </div>
  );
}

export function RoomActions({ roomId, name, paired }: { roomId: string; name: string; paired: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<RoomActionResult | null>(null);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={pending}
          aria-label={`New pairing code for ${name}`}
          onClick={() =>
            startTransition(async () => {
              setResult(await newPairingCode(roomId));
              router.refresh();
            })
          }
        >
          New pairing code
        </button>
        {paired ? (
          <ConfirmRemoveButton text="Unpair" label={`Unpair ${name}'s device`} question={`Unpair ${name}'s device? It is signed out at once and needs a new pairing code.`} remove={() => unpairDevice(roomId)} />
        ) : null}
        <ConfirmRemoveButton label={`Remove ${name}`} question={`Remove ${name}? Launches that name it will say the room is unknown.`} remove={() => removeRoom(roomId)} />
      </div>
      <ActionOutcome result={result} />
    </div>
  );
}

/** What an action said; a new pairing code is shown here once, large enough to copy onto the device. */
function ActionOutcome({ result }: { result: RoomActionResult | null }) {
  if (!result) return <p role="status" aria-live="polite" className="sr-only" />;
  return (
    <div role="status" aria-live="polite" className={`text-sm ${result.ok ? 'text-green-800' : 'text-red-700'}`}>
      <p>{result.message}</p>
      {result.pairing ? (
        <p className="mt-1 rounded border border-slate-300 bg-slate-50 p-2 text-slate-900">
          Pairing code for {result.pairing.roomName}:{' '}
          <strong className="font-mono text-lg tracking-widest" data-testid="pairing-code">{result.pairing.code}</strong>
          <span className="block text-xs text-slate-600">
            Open /room on the device and enter it within 24 hours (until {result.pairing.expiresAt.replace('T', ' ').slice(0, 16)} UTC). It is shown only once.
          </span>
        </p>
      ) : null}
    </div>
  );
}
