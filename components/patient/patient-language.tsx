import type { ReactNode } from 'react';
import { requestLanguage } from '@/lib/i18n/request-language';
import { EnglishWords } from './english-words';
import { SpanishWords } from './spanish-words';

/**
 * A patient page in the language of this request (the patient's choice, else their browser's).
 * Each language is its own client component, so the page's JavaScript carries that language only.
 */
export async function PatientLanguage({ children }: { children: ReactNode }) {
  return (await requestLanguage()) === 'es' ? <SpanishWords>{children}</SpanishWords> : <EnglishWords>{children}</EnglishWords>;
}
