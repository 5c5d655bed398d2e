import { cookies } from 'next/headers';
import { db } from '@/lib/db';
import { ROOM_COOKIE } from '@/lib/rooms/credentials';
import { roomOfDevice } from '@/lib/rooms/store';
import { RoomDevice } from './room-device';

export const metadata = { title: 'Televisit room' };
export const dynamic = 'force-dynamic';

/**
 * The screen of a device in a patient's room (a tablet, a PC on a cart): paired once with the code
 * an admin gives, then it waits for calls and joins them by itself (lib/rooms/call.ts).
 */
export default async function RoomPage() {
  const room = await roomOfDevice(await db(), (await cookies()).get(ROOM_COOKIE)?.value);
  return <RoomDevice room={room ? { name: room.name, location: room.location } : null} />;
}
