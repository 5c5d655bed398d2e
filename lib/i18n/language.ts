// The patients' two languages, and how a page picks one. The words themselves are in
// patient-text-en.ts and patient-text-es.ts: a browser loads only the language it shows.

export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Remembered for a year, so the next visit opens in the language chosen. */
export const LANGUAGE_COOKIE = 'tv_lang';
export const LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600;

/** The cookie when the patient chose; else the first of their browser's languages we speak; else English. */
export function pickLanguage(cookie: string | null | undefined, acceptLanguage: string | null | undefined): Language {
  if (cookie === 'en' || cookie === 'es') return cookie;
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...parameters] = part.trim().toLowerCase().split(';');
      const quality = Number(parameters.find((parameter) => parameter.trim().startsWith('q='))?.trim().slice(2) ?? 1);
      return { language: tag?.split('-')[0] ?? '', quality: Number.isFinite(quality) ? quality : 0 };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality);
  for (const { language } of wanted) if (language === 'en' || language === 'es') return language;
  return 'en';
}
