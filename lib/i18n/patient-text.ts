// Both languages' words, for the server's own pages (launch failures, forbidden), which pick one per
// request. A browser never loads this module: components/patient/language.tsx loads one language.
import type { Language } from './language';
import { en, type PatientText } from './patient-text-en';
import { es } from './patient-text-es';

export type { PatientText };
export const PATIENT_TEXT: Record<Language, PatientText> = { en, es };
