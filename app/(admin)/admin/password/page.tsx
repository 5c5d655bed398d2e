import { requireAccess } from '@/lib/access';
import { signInChoices } from '@/lib/admins/single-sign-on';
import { PasswordForm } from './password-form';

export const metadata = { title: 'Password · Televisit' };

/** An admin's own password. Changing it signs out every other browser of theirs. */
export default async function PasswordPage() {
  const { admin } = await requireAccess();
  if (!admin.passwordHash) {
    return (
      <main className="max-w-md space-y-4">
        <h1 className="text-xl font-semibold">Password</h1>
        <p className="text-sm text-slate-700">
          Your account has no password here: you sign in with {signInChoices().ssoName ?? 'single sign-on'}, and your password is the one you use there.
        </p>
      </main>
    );
  }
  return (
    <main className="max-w-md space-y-4">
      <h1 className="text-xl font-semibold">Change your password</h1>
      <p className="text-sm text-slate-700">Every other browser where you are signed in is signed out at its next request; this one stays signed in.</p>
      <PasswordForm />
    </main>
  );
}
