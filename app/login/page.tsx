import { redirect } from 'next/navigation';
import { adminReturnPath, currentAdmin } from '@/lib/auth';
import { adminCount } from '@/lib/admins/store';
import { db } from '@/lib/db';
import { LoginForm } from './login-form';

export const metadata = { title: 'Sign in · Televisit' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[] }> }) {
  if ((await adminCount(await db())) === 0) redirect('/setup');
  const { callbackUrl } = await searchParams;
  const returnTo = adminReturnPath(typeof callbackUrl === 'string' ? callbackUrl : null);
  if (await currentAdmin()) redirect(returnTo);
  return (
    <main className="mx-auto mt-16 max-w-sm rounded-lg bg-white p-6 shadow">
      <h1 className="mb-4 text-xl font-semibold">Sign in to Televisit</h1>
      <LoginForm returnTo={returnTo} />
    </main>
  );
}
