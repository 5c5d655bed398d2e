import { redirect } from 'next/navigation';
import { adminCount } from '@/lib/admins/store';
import { currentAdmin, signInPath } from '@/lib/auth';
import { db } from '@/lib/db';
import { AdminNav } from './admin-nav';
import { SignOutButton } from './sign-out-button';

const SECTIONS = [
  { href: '/admin/integrations', label: 'Integrations' },
  { href: '/admin/settings', label: 'Settings' },
  { href: '/admin/rooms', label: 'Rooms' },
  { href: '/admin/visits', label: 'Visits' },
  { href: '/admin/launch-log', label: 'Launch log' },
  { href: '/admin/notifications', label: 'Notification Records' },
  { href: '/admin/launch-links', label: 'Launch links' },
  { href: '/admin/server', label: 'Server settings', ownerOnly: true },
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/sessions', label: 'Sessions' },
  { href: '/admin/password', label: 'Password' },
  { href: '/admin/two-step', label: 'Two-step sign-in' },
  { href: '/admin/audit', label: 'Audit', ownerOnly: true },
];

// The guard for every admin page. Server actions and route handlers check again themselves.
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  if ((await adminCount(await db())) === 0) redirect('/setup');
  const admin = await currentAdmin();
  if (!admin) redirect(await signInPath());
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-4 px-4 py-3">
          <span className="font-semibold text-brand-800">Televisit admin</span>
          <AdminNav sections={SECTIONS.filter((section) => !('ownerOnly' in section) || admin.role === 'owner').map(({ href, label }) => ({ href, label }))} />
          <span className="ml-auto text-sm text-slate-600">{admin.email}</span>
          <SignOutButton />
        </div>
      </header>
      <div className="mx-auto max-w-7xl px-4 py-6">{children}</div>
    </div>
  );
}
