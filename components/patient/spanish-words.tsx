'use client';

import type { ReactNode } from 'react';
import { es } from '@/lib/i18n/patient-text-es';
import { LanguageProvider } from './language';

export function SpanishWords({ children }: { children: ReactNode }) {
  return (
    <LanguageProvider initial="es" initialText={es}>
      {children}
    </LanguageProvider>
  );
}
