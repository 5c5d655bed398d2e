'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { PAIRING_CODE_LENGTH, pairingSchema } from '@/lib/rooms/schema';
import { ClientForm } from '@/components/client-form';

type RoomInfo = { name: string; location: string };

export function RoomDevice({ room }: { room: RoomInfo | null }) {
  return (
    <main className="flex min-h-[100dvh] items-center justify-center bg-slate-900 p-4 text-white">
      {room ? <RoomIdle room={room} /> : <PairForm />}
    </main>
  );
}

/** Waits for calls: the room's push stream says when one comes, and the device answers it. */
function RoomIdle({ room }: { room: RoomInfo }) {
  const router = useRouter();
  const [online, setOnline] = useState(false);
  const [caller, setCaller] = useState<string | null>(null);

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      source = new EventSource('/api/room/events');
      source.addEventListener('room', () => setOnline(true));
      source.addEventListener('call', (event) => {
        const call = JSON.parse((event as MessageEvent<string>).data) as { meetingId: string; callerName: string };
        setCaller(call.callerName);
        window.location.assign(`/room/join/${call.meetingId}`);
      });
      // An admin unpaired this device: the page asks for a code again.
      source.addEventListener('unpaired', () => {
        source?.close();
        router.refresh();
      });
      source.addEventListener('error', () => {
        setOnline(false);
        // EventSource retries by itself after a drop; a refused stream (401: no longer paired) it
        // gives up on, and then the page asks the server again, after a pause.
        if (source?.readyState === EventSource.CLOSED) {
          clearTimeout(retry);
          retry = setTimeout(() => {
            router.refresh();
            open();
          }, 5000);
        }
      });
    };
    open();
    // Keep the screen on where the browser can, so the room can be seen from the bed.
    let lock: { release(): Promise<void> } | null = null;
    const wake = navigator as Navigator & { wakeLock?: { request(type: 'screen'): Promise<{ release(): Promise<void> }> } };
    void wake.wakeLock?.request('screen').then((granted) => (lock = granted)).catch(() => undefined);
    return () => {
      clearTimeout(retry);
      source?.close();
      void lock?.release().catch(() => undefined);
    };
  }, [router]);

  return (
    <div className="w-full max-w-xl text-center">
      <h1 className="text-4xl font-semibold" data-testid="room-name">{room.name}</h1>
      {room.location ? <p className="mt-2 text-xl text-slate-200">{room.location}</p> : null}
      <p role="status" aria-live="polite" className={`mt-8 text-2xl ${online ? 'text-green-300' : 'text-amber-300'}`} data-testid="room-status" data-online={online}>
        {caller ? `Call from ${caller}…` : online ? 'Ready for video calls' : 'Offline: reconnecting…'}
      </p>
      <p className="mt-4 text-slate-300">Calls from the care team start here by themselves, with this device&apos;s camera and microphone.</p>
    </div>
  );
}

type PairingInput = z.input<typeof pairingSchema>;

/** The one-time code an admin made for this room (Admin, Rooms). */
function PairForm() {
  const router = useRouter();
  const [message, setMessage] = useState('');
  const form = useForm<PairingInput, unknown, z.output<typeof pairingSchema>>({ resolver: zodResolver(pairingSchema), defaultValues: { code: '' } });
  const { errors, isSubmitting } = form.formState;
  const onSubmit = form.handleSubmit(async ({ code }) => {
    setMessage('');
    const response = await fetch('/api/room/pair', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code }) }).catch(() => null);
    if (response?.ok) return router.refresh();
    const answer = (await response?.json().catch(() => ({}))) as { message?: string } | undefined;
    setMessage(answer?.message ?? 'The server could not be reached. Try again.');
  });
  return (
    <ClientForm onSubmit={onSubmit} noValidate className="w-full max-w-md rounded-lg bg-white p-6 text-slate-900 shadow">
      <h1 className="text-xl font-semibold">Set up this device for a room</h1>
      <p className="mt-2 text-sm text-slate-700">
        Enter the pairing code an admin created for the room (Admin, Rooms). The device then stays signed in as that room and joins its video calls by itself.
      </p>
      <label htmlFor="pairing-code" className="mt-4 block text-sm font-medium">
        Pairing code
      </label>
      <input
        id="pairing-code"
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        maxLength={PAIRING_CODE_LENGTH + 4}
        aria-invalid={Boolean(errors.code || message)}
        aria-describedby="pairing-code-error"
        className="mt-1 block w-full rounded-md border border-slate-400 px-3 py-2 font-mono text-lg tracking-widest aria-[invalid=true]:border-red-600"
        {...form.register('code')}
      />
      <p id="pairing-code-error" role="alert" className="mt-1 min-h-5 text-sm text-red-700">
        {errors.code?.message ?? message}
      </p>
      <button type="submit" disabled={isSubmitting} className="mt-3 inline-flex min-h-11 items-center rounded-md bg-blue-700 px-4 font-semibold text-white hover:bg-blue-800 disabled:opacity-60">
        Pair this device
      </button>
    </ClientForm>
  );
}
