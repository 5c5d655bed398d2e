import { recoveryCodesLeft } from '@/lib/admins/two-step';
import { requireSignedIn } from '@/lib/auth';
import { db } from '@/lib/db';
import { readServerSettings } from '@/lib/server-settings/store';
import { TurnOffTwoStep } from './turn-off-two-step';
import { TwoStepSetup } from './two-step-setup';

export const metadata = { title: 'Two-step sign-in · Televisit' };

/**
 * An admin's own two-step sign-in: set it up (scan, type a code back, keep the recovery codes), or
 * turn it off. The one admin page open to an admin who must set it up before anything else.
 */
export default async function TwoStepPage() {
  const admin = await requireSignedIn();
  const database = await db();
  const { requireTwoStep } = await readServerSettings(database);
  const enrolled = Boolean(admin.totpSecret);
  return (
    <main className="max-w-2xl space-y-4">
      <h1 className="text-xl font-semibold">Two-step sign-in</h1>
      {enrolled ? (
        <>
          <p className="text-sm text-slate-700" data-testid="two-step-state">
            Two-step sign-in is on: after your password, you type the code from your authenticator app. {await recoveryCodesLeft(database, admin.id)} of 10
            recovery codes are unused.
          </p>
          <p className="text-sm text-slate-700">
            Lost your phone? Sign in with a recovery code, then set two-step sign-in up again below; the old app and codes stop working.
          </p>
          {requireTwoStep ? (
            <p className="text-sm text-slate-700">The owner requires two-step sign-in on this server, so it cannot be turned off.</p>
          ) : (
            <TurnOffTwoStep />
          )}
          <h2 className="pt-2 text-lg font-semibold">Move to a new phone</h2>
          <TwoStepSetup again />
        </>
      ) : (
        <>
          {requireTwoStep ? (
            <p role="alert" className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="two-step-required">
              The owner requires two-step sign-in on this server. Set it up to go on to the admin pages.
            </p>
          ) : null}
          <p className="text-sm text-slate-700" data-testid="two-step-state">
            Two-step sign-in is off. With it on, someone who learns your password still cannot sign in without your phone. Any authenticator app works
            (Microsoft Authenticator, Google Authenticator, 1Password, Authy).
          </p>
          <TwoStepSetup />
        </>
      )}
    </main>
  );
}
