import { redirect } from 'next/navigation';
import { signInChoices } from '@/lib/admins/single-sign-on';
import { adminCount } from '@/lib/admins/store';
import { db } from '@/lib/db';
import { SetupForm } from './setup-form';

export const metadata = { title: 'Create the owner account · Televisit' };

// Shown once: as soon as any admin exists it sends visitors to sign-in instead.
export default async function SetupPage() {
  // With passwords off, the first owner is whoever of an owner group signs in first.
  if ((await adminCount(await db())) > 0 || !signInChoices().passwordForm) redirect('/login');
  return (
    <main className="mx-auto mt-16 max-w-md rounded-lg bg-white p-6 shadow">
      <h1 className="text-xl font-semibold">Create the owner account</h1>
      <p className="mb-4 mt-1 text-sm text-slate-600">
        This Televisit server has no administrator yet. The account you create here configures the Epic integration and can add other admins.
      </p>
      <SetupForm />
    </main>
  );
}
