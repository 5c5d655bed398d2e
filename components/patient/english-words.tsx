'use client';

import type { ReactNode } from 'react';
import { en } from '@/lib/i18n/patient-text-en';
import { LanguageProvider } from './language';

export function EnglishWords({ children }: { children: ReactNode }) {
  return (
    <LanguageProvider initial="en" initialText={en}>
      {children}
    </LanguageProvider>
  );
}
