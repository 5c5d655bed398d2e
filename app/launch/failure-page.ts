import { NextResponse } from 'next/server';
import type { Language } from '@/lib/i18n/language';
import { PATIENT_TEXT } from '@/lib/i18n/patient-text';

// The plain pages a launch can end on, in the patient's language. Every refused launch gets
// exactly the same bytes (in one language), whatever the cause: a difference would tell an
// attacker which part of the token was wrong (a padding oracle). The cause goes to the launch log.
// Each page links to itself in the other language (app/launch/notice), where the choice is kept.

export const LAUNCH_FAILURE_STATUS = 400;

export type NoticeKind = 'refused' | 'ended' | 'full';

export function launchFailureResponse(language: Language): Response {
  return htmlResponse(noticePage('refused', language), LAUNCH_FAILURE_STATUS);
}

/** Too many launches from this address: the same page, with 429 and when to try again. */
export function launchThrottledResponse(language: Language, retryAfterSeconds: number): Response {
  const response = htmlResponse(noticePage('refused', language), 429);
  response.headers.set('Retry-After', String(retryAfterSeconds));
  return response;
}

/** A good link to a visit that is over: no session, no records, just the news. */
export function visitEndedResponse(language: Language): NextResponse {
  return htmlResponse(noticePage('ended', language), 200);
}

/** A newcomer while the visit has all the people it can hold. */
export function visitFullResponse(language: Language): NextResponse {
  return htmlResponse(noticePage('full', language), 200);
}

/** A provider's link to a visit that ended: say when, and offer to start it again (a form back to us). */
export function providerVisitEndedResponse(language: Language, endedAt: Date | null, startNewToken: string): NextResponse {
  const text = PATIENT_TEXT[language].launch;
  const time = endedAt ? endedAt.toISOString().slice(11, 16) + ' UTC' : '—';
  const body = `<p>${escapeHtml(text.providerEndedBody(time))}</p>
<form method="post" action="/launch/new-visit"><input type="hidden" name="token" value="${escapeHtml(startNewToken)}"><button type="submit">${escapeHtml(text.startNewVisit)}</button></form>`;
  return htmlResponse(page(language, text.endedTitle, body, null), 200);
}

export function noticePage(kind: NoticeKind, language: Language): string {
  const text = PATIENT_TEXT[language].launch;
  const [title, ...paragraphs] =
    kind === 'refused' ? [text.refusedTitle, text.refusedBody, text.refusedHelp] : kind === 'ended' ? [text.endedTitle, text.endedBody] : [text.fullTitle, text.fullBody];
  const other: Language = language === 'en' ? 'es' : 'en';
  return page(language, title!, paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('\n'), `/launch/notice/${kind}?lang=${other}`);
}

function htmlResponse(html: string, status: number): NextResponse {
  return new NextResponse(html, {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    },
  });
}

function page(language: Language, title: string, body: string, switchHref: string | null): string {
  const text = PATIENT_TEXT[language];
  const switcher = switchHref
    ? `<p class="switch"><a href="${switchHref}" hreflang="${language === 'en' ? 'es' : 'en'}" lang="${language === 'en' ? 'es' : 'en'}" aria-label="${escapeHtml(text.switchLanguageLabel)}">${escapeHtml(text.switchLanguage)}</a></p>\n`
    : '';
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f8fafc;color:#0f172a}
main{max-width:32rem;margin:15vh auto 0;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.25rem;margin:0 0 .75rem}
p{line-height:1.5;margin:.5rem 0}
.switch{text-align:right;margin:0 0 .5rem}
a{color:#1d4ed8}
button{font:inherit;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:.375rem;padding:.625rem 1rem;min-height:2.75rem;cursor:pointer}
</style>
</head>
<body>
<main>
${switcher}<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
