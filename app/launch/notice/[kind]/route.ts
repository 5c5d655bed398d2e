import type { NextRequest } from 'next/server';
import { LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE, pickLanguage } from '@/lib/i18n/language';
import { noticePage, type NoticeKind } from '../../failure-page';

const KINDS: NoticeKind[] = ['refused', 'ended', 'full'];

/** A launch notice again, in the language the patient asked for, which is remembered. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ kind: string }> }) {
  const { kind } = await params;
  if (!KINDS.includes(kind as NoticeKind)) return new Response('Not found', { status: 404 });
  const asked = request.nextUrl.searchParams.get('lang');
  const language = pickLanguage(asked ?? request.cookies.get(LANGUAGE_COOKIE)?.value, request.headers.get('accept-language'));
  const headers = new Headers({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" });
  if (asked === language) headers.append('Set-Cookie', `${LANGUAGE_COOKIE}=${language}; Path=/; Max-Age=${LANGUAGE_COOKIE_MAX_AGE}; SameSite=Lax`);
  return new Response(noticePage(kind as NoticeKind, language), { status: kind === 'refused' ? 400 : 200, headers });
}
