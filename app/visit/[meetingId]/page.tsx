import { eq } from 'drizzle-orm';
import { forbidden } from 'next/navigation';
import { PatientLanguage } from '@/components/patient/patient-language';
import { logoUrl } from '@/lib/branding/logo';
import { db } from '@/lib/db';
import { integrations, meetings } from '@/lib/db/schema';
import { meetingView } from '@/lib/visit/meeting-view';
import { participantSession } from '@/lib/visit/participant-request';
import { VisitRoom } from './visit-room';

export const metadata = { title: 'Video visit' };

export default async function VisitPage({ params, searchParams }: { params: Promise<{ meetingId: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { meetingId } = await params;
  const query = await searchParams;
  // The launch cookie is the visit's password: a meeting ID alone opens nothing.
  const session = await participantSession(meetingId);
  if (!session) forbidden();
  const database = await db();
  const [visit] = await database
    .select({ customText: integrations.customText, logoHash: integrations.logoHash })
    .from(meetings)
    .innerJoin(integrations, eq(integrations.id, meetings.integrationId))
    .where(eq(meetings.id, meetingId));
  if (!visit) forbidden();
  const view = await meetingView(database, meetingId, session.participantId);

  return (
    <PatientLanguage>
      <VisitRoom
        meetingId={meetingId}
        initialView={view}
        customText={visit.customText}
        logoSrc={visit.logoHash ? logoUrl(visit.logoHash) : null}
        roomNotice={view.me.userType === 'Provider' ? roomNoticeOf(query) : null}
      />
    </PatientLanguage>
  );
}

/** The launch could not call the room it named (app/launch/finish-launch.ts): the provider is told. */
function roomNoticeOf(query: Record<string, string | string[] | undefined>) {
  const kind = query.room;
  const name = typeof query.roomName === 'string' ? query.roomName.slice(0, 100) : '';
  return (kind === 'room_unknown' || kind === 'room_offline' || kind === 'visit_full') && name ? ({ kind, name } as const) : null;
}
