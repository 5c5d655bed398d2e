import Link from 'next/link';
import { redirect } from 'next/navigation';
import { adminReturnPath, currentAdmin } from '@/lib/auth';
import { signInChoices } from '@/lib/admins/single-sign-on';
import { adminCount } from '@/lib/admins/store';
import { db } from '@/lib/db';
import { LoginForm } from './login-form';
import { SsoButton } from './sso-button';

export const metadata = { title: 'Sign in · Televisit' };

type Search = { callbackUrl?: string | string[]; error?: string | string[] };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Search> }) {
  const { ssoName, passwordForm } = signInChoices();
  const noAdmins = (await adminCount(await db())) === 0;
  // The first owner is made at /setup, unless single sign-on can make them (an owner group).
  if (noAdmins && !ssoName) redirect('/setup');
  const { callbackUrl, error } = await searchParams;
  const returnTo = adminReturnPath(typeof callbackUrl === 'string' ? callbackUrl : null);
  if (await currentAdmin()) redirect(returnTo);
  const refusal = typeof error === 'string' ? refusalOf(error, ssoName) : null;
  return (
    <main className="mx-auto mt-16 max-w-sm space-y-4 rounded-lg bg-white p-6 shadow">
      <h1 className="text-xl font-semibold">{refusal?.heading ?? 'Sign in to Televisit'}</h1>
      {refusal ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800" data-testid="sign-in-refusal">
          {refusal.text}
        </p>
      ) : null}
      {ssoName ? <SsoButton name={ssoName} returnTo={returnTo} /> : null}
      {ssoName && passwordForm ? (
        <p className="text-center text-xs uppercase tracking-wide text-slate-600" aria-hidden="true">
          or
        </p>
      ) : null}
      {passwordForm ? <LoginForm returnTo={returnTo} /> : null}
      {noAdmins && passwordForm ? (
        <p className="text-sm text-slate-700">
          No admin yet? <Link href="/setup" className="font-medium text-brand-700 underline">Create the owner account</Link>
        </p>
      ) : null}
    </main>
  );
}

/** What the page says after a refused or failed single sign-on; the reason itself is in the server's log and the audit log. */
function refusalOf(error: string, ssoName: string | null): { heading?: string; text: string } {
  const provider = ssoName ?? 'single sign-on';
  if (error === 'NoAccess') {
    return {
      heading: 'You have no access to Televisit',
      text: `${provider} signed you in, but you are in none of the groups that may manage Televisit, so no account was made and nothing was opened. If you need access, ask your IT service desk to add you to the Televisit admin group, then sign in again.`,
    };
  }
  if (error === 'NoEmail') return { text: `${provider} did not tell Televisit your email address. Your IT service desk can add the email claim to Televisit's sign-in.` };
  if (error === 'SessionRequired') return { text: 'Sign in to continue.' };
  return { text: `Sign-in with ${provider} did not finish. Try again; if it fails again, tell your IT service desk the time it happened.` };
}
