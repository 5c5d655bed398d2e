import type { PatientText } from '@/lib/i18n/patient-text-en';
import type { PersonLabel } from '@/lib/visit/meeting-view';

/** What someone is in the call, as tiles and lists say it: "Patient", "Interpreter, Spanish". */
export function kindOf(t: PatientText['visit'], person: Pick<PersonLabel, 'userType' | 'role' | 'language'>): string {
  const kind = person.role ? t.kinds[person.role] : t.kinds[person.userType];
  return person.language ? t.withLanguage(kind, person.language) : kind;
}
