import { cookies, headers } from 'next/headers';
import { LANGUAGE_COOKIE, pickLanguage, type Language } from '@/lib/i18n/language';

/** The language of the patient pages for this request: the one chosen (cookie), else the browser's. */
export async function requestLanguage(): Promise<Language> {
  const [jar, requestHeaders] = await Promise.all([cookies(), headers()]);
  return pickLanguage(jar.get(LANGUAGE_COOKIE)?.value, requestHeaders.get('accept-language'));
}

/**
 * The same from a request's own headers: for handlers that may run outside Next.js's request
 * scope (the launch is served by scripts/server.mjs, lib/http/web-route.ts).
 */
export function languageOf(requestHeaders: Headers): Language {
  return pickLanguage(languageCookie(requestHeaders.get('cookie')), requestHeaders.get('accept-language'));
}

function languageCookie(header: string | null): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === LANGUAGE_COOKIE) return part.slice(separator + 1).trim();
  }
  return undefined;
}
