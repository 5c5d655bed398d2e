'use client';

import type { ReactNode } from 'react';
import { LanguageSwitch } from '@/components/patient/language';

/** A plain page for where a visit stands when there is no call to show (ended, removed, left…). */
export function Notice({ title, body, heading = false, children }: { title: string; body: string; heading?: boolean; children?: ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-lg flex-col justify-center p-4 text-center">
      <div className="rounded-lg bg-white p-6 shadow">
        <div className="flex justify-end">
          <LanguageSwitch />
        </div>
        {heading ? (
          <h1 className="text-xl font-semibold">{title}</h1>
        ) : (
          <p role="status" aria-live="polite" className="text-xl font-semibold">
            {title}
          </p>
        )}
        <p className="mt-2 text-slate-700">{body}</p>
        {children}
      </div>
    </main>
  );
}
