import Link from 'next/link';
import { requireAdmin } from '@/lib/auth';
import { db } from '@/lib/db';
import { randomSessionId } from '@/lib/epic/sample-link-schema';
import { primaryIntegration } from '@/lib/settings/store';
import { LaunchLinkForm } from './launch-link-form';

export const metadata = { title: 'Sample launch links · Televisit' };

export default async function LaunchLinksPage() {
  await requireAdmin();
  const integration = await primaryIntegration(await db());
  return (
    <main className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold">Sample launch links</h1>
        <p className="mt-1 text-sm text-slate-600">
          Builds a launch link the way Epic does, encrypted with the saved Encryption Secret, to try a visit without Epic or to compare with the
          link from your FDI record. Anyone holding a link joins as the person it names until it expires, so share it with care.
        </p>
      </div>
      {integration ? (
        <>
          <p className="text-sm text-slate-700">
            For the integration with Encryption Key <span className="font-mono break-all">{integration.encryptionKey}</span> ({integration.encryptionAlgorithm}).
          </p>
          <LaunchLinkForm initialSessionId={randomSessionId()} />
        </>
      ) : (
        <p role="status" className="rounded-lg bg-white p-5 text-sm shadow">
          No Epic integration is configured yet, so there is nothing to build a link for.{' '}
          <Link href="/admin/settings" className="font-medium text-brand-700 underline">
            Go to Settings
          </Link>{' '}
          and save the Encryption Key and Secret first.
        </p>
      )}
    </main>
  );
}
