import Link from 'next/link';

/**
 * An admin page that does not exist, or is not this admin's to open (another integration's record,
 * an owner's page): one styled answer inside the admin navigation, the same for both, so that a
 * refusal does not tell whether the thing exists.
 */
export default function AdminNotFound() {
  return (
    <main className="rounded-lg bg-white p-6 shadow">
      <h1 className="text-xl font-semibold">Not found</h1>
      <p className="mt-2 text-sm text-slate-700">
        This page does not exist, or it belongs to an integration you do not see. Ask the owner if you need it.
      </p>
      <p className="mt-4 text-sm">
        <Link href="/admin/integrations" className="text-brand-700 underline">
          Your integrations
        </Link>
      </p>
    </main>
  );
}
