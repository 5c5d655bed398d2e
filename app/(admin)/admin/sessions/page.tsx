import { AdminTable } from '@/components/admin-table';
import { UtcTime } from '@/components/utc-time';
import { requireAccess } from '@/lib/access';
import { listActiveSessions } from '@/lib/admins/sessions';
import { signInChoices } from '@/lib/admins/single-sign-on';
import { currentSession } from '@/lib/auth';
import { db } from '@/lib/db';
import { EndSessionButton } from './end-session-button';

export const metadata = { title: 'Sessions · Televisit' };

/** Where someone is signed in: an admin sees their own sessions, the owner everyone's. Each can be ended. */
export default async function SessionsPage() {
  const access = await requireAccess();
  const current = await currentSession();
  const { ssoName } = signInChoices();
  const sessions = await listActiveSessions(await db(), access.isOwner ? undefined : access.admin.id);
  return (
    <main>
      <h1 className="mb-4 text-xl font-semibold">Sessions</h1>
      <p className="mb-4 text-sm text-slate-600">
        {access.isOwner ? 'Every admin signed in now.' : 'Where you are signed in now.'} Ending a session signs that browser out at its next request.
      </p>
      <AdminTable
        label="Active sessions"
        columns={[...(access.isOwner ? ['Admin'] : []), 'Device', 'Address', 'Signed in with', 'Signed in', 'Last used', 'Expires', <span key="end" className="sr-only">End</span>]}
        rowCount={sessions.length}
        empty="No active session."
      >
        {sessions.map((session) => (
          <tr key={session.id} className="border-t border-slate-100 align-top" data-testid="session-row">
            {access.isOwner ? <td className="px-3 py-2">{session.email}</td> : null}
            <td className="max-w-xs truncate px-3 py-2" title={session.userAgent}>
              {deviceName(session.userAgent)}
              {session.id === current?.sessionId ? <span className="ml-2 rounded bg-brand-100 px-1 text-xs text-brand-800">this browser</span> : null}
            </td>
            <td className="px-3 py-2 font-mono text-xs">{session.address}</td>
            <td className="px-3 py-2">{session.method === 'sso' ? (ssoName ?? 'Single sign-on') : 'Password'}</td>
            <td className="whitespace-nowrap px-3 py-2"><UtcTime value={session.createdAt} /></td>
            <td className="whitespace-nowrap px-3 py-2"><UtcTime value={session.lastSeenAt} /></td>
            <td className="whitespace-nowrap px-3 py-2"><UtcTime value={session.expiresAt} /></td>
            <td className="px-3 py-2">
              <EndSessionButton sessionId={session.id} label={`End the session of ${session.email} on ${deviceName(session.userAgent)} from ${session.address}`} />
            </td>
          </tr>
        ))}
      </AdminTable>
    </main>
  );
}

/** A short name for a browser: enough to tell one's laptop from one's phone. */
function deviceName(userAgent: string): string {
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : 'Browser';
  const system = /Windows/.test(userAgent) ? 'Windows' : /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Mac OS X/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : 'unknown system';
  return `${browser} on ${system}`;
}
