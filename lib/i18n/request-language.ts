import { cookies, headers } from 'next/headers';
import { LANGUAGE_COOKIE, pickLanguage, type Language } from '@/lib/i18n/language';

/** The language of the patient pages for this request: the one chosen (cookie), else the browser's. */
export async function requestLanguage(): Promise<Language> {
  const [jar, requestHeaders] = await Promise.all([cookies(), headers()]);
  return pickLanguage(jar.get(LANGUAGE_COOKIE)?.value, requestHeaders.get('accept-language'));
}
