import Link from 'next/link';
import { IntegrationFilter } from '@/components/integration-filter';
import { secondaryButtonClass } from '@/components/field';
import { AdminTable } from '@/components/admin-table';
import { UtcTime } from '@/components/utc-time';
import { canSee, requireAccess, visibleIntegrations } from '@/lib/access';
import { db } from '@/lib/db';
import { listRooms } from '@/lib/rooms/store';
import { AddRoomForm, RoomActions } from './room-controls';

export const metadata = { title: 'Rooms · Televisit' };
export const dynamic = 'force-dynamic';

/** Monitor calls: the devices in patients' rooms that a provider's launch with RoomName calls. */
export default async function RoomsPage({ searchParams }: { searchParams: Promise<{ integration?: string }> }) {
  const access = await requireAccess();
  const database = await db();
  const integrations = (await visibleIntegrations(database, access)).filter((integration) => !integration.retiredAt);
  const { integration } = await searchParams;
  const selected = integration && canSee(access, integration) ? integration : undefined;
  const rows = await listRooms(database, access, selected);
  return (
    <main className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold">Rooms</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          A room is a device in a patient&apos;s room (a tablet, a PC on a cart) that providers call from Epic: a provider&apos;s launch with the
          room&apos;s name as RoomName brings the device into the visit with its camera and microphone, without anyone there to click. Open{' '}
          <code className="rounded bg-slate-100 px-1">/room</code> on the device and enter the room&apos;s pairing code once; it then stays signed in as
          that room until you unpair it. Epic is not told about rooms joining or leaving; a room counts toward the four people a visit holds.
        </p>
      </div>

      <section className="rounded-lg bg-white p-5 shadow" aria-labelledby="add-room">
        <h2 id="add-room" className="mb-3 font-semibold">Add a room</h2>
        {integrations.length ? (
          <AddRoomForm integrations={integrations.map((row) => ({ id: row.id, name: row.name }))} defaultIntegrationId={selected ?? integrations[0]!.id} />
        ) : (
          <p className="text-sm text-slate-600">
            No integration you can see is in use. <Link href="/admin/integrations" className="text-brand-700 underline">Integrations</Link>
          </p>
        )}
      </section>

      <form method="get" className="flex flex-wrap items-end gap-3 rounded-lg bg-white p-4 shadow">
        <IntegrationFilter integrations={integrations} selected={selected} />
        <button type="submit" className={secondaryButtonClass}>Show</button>
      </form>

      <AdminTable label="Rooms" columns={['Room (RoomName)', 'Location', 'Integration', 'Device', 'Pairing code', <span className="sr-only">Actions</span>]} rowCount={rows.length} empty={'No rooms yet.'}>
        {rows.map((room) => (
          <tr key={room.id} className="border-t border-slate-100 align-top" aria-label={room.name}>
            <td className="px-3 py-2 font-medium">{room.name}</td>
            <td className="px-3 py-2">{room.location || '—'}</td>
            <td className="px-3 py-2">{room.integrationName}</td>
            <td className="px-3 py-2" data-testid="room-device-state">
              {!room.paired ? (
                'Not paired'
              ) : room.online ? (
                <span className="font-medium text-green-800">Online</span>
              ) : (
                <>
                  <span className="font-medium text-amber-800">Offline</span>
                  <span className="block text-xs text-slate-600">
                    Last seen <UtcTime value={room.lastSeenAt} empty="never" />
                  </span>
                </>
              )}
            </td>
            <td className="px-3 py-2">
              {room.codePending ? (
                <>
                  Waiting to be used
                  <span className="block text-xs text-slate-600">
                    until <UtcTime value={room.codeExpiresAt} />
                  </span>
                </>
              ) : (
                '—'
              )}
            </td>
            <td className="px-3 py-2">
              <RoomActions roomId={room.id} name={room.name} paired={room.paired} />
            </td>
          </tr>
        ))}
      </AdminTable>
    </main>
  );
}
