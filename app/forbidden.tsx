import { PATIENT_TEXT } from '@/lib/i18n/patient-text';
import { requestLanguage } from '@/lib/i18n/request-language';

/** A visit page opened without its launch cookie: said in the patient's language. */
export default async function Forbidden() {
  const language = await requestLanguage();
  const text = PATIENT_TEXT[language].launch;
  return (
    <main lang={language} className="mx-auto mt-16 max-w-md rounded-lg bg-white p-6 shadow">
      <h1 className="text-xl font-semibold">{text.notHereTitle}</h1>
      <p className="mt-2 text-slate-700">{text.notHereBody}</p>
    </main>
  );
}
