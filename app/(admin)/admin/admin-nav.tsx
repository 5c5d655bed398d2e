'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

/** The admin sections this admin may open, the current one marked (aria-current) and shown. */
export function AdminNav({ sections }: { sections: Array<{ href: string; label: string }> }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Admin sections" className="flex flex-wrap gap-3 text-sm">
      {sections.map((section) => {
        const current = pathname === section.href || pathname.startsWith(`${section.href}/`);
        return (
          <Link
            key={section.href}
            href={section.href}
            aria-current={current ? 'page' : undefined}
            className={`rounded px-2 py-1 ${current ? 'bg-slate-200 font-semibold text-slate-900' : 'text-slate-700 hover:bg-slate-100'}`}
          >
            {section.label}
          </Link>
        );
      })}
    </nav>
  );
}
