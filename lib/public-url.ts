import { env } from '@/lib/env';

// The one public address of this server is NEXTAUTH_URL (README, .env.example). Cookies, sign-in
// redirects and the OAuth redirect URI come from it, never from what a request says about itself.

/** Cookies are Secure whenever the public address is https (behind a TLS proxy too). */
export function secureCookies(): boolean {
  return env().publicUrl.protocol === 'https:';
}

export const OAUTH_CALLBACK_PATH = '/launch/oauth-callback';

/** The redirect URI to register with Epic; null until NEXTAUTH_URL says where this server is. */
export function oauthRedirectUri(): string | null {
  return env().publicUrlConfigured ? new URL(OAUTH_CALLBACK_PATH, env().publicUrl).toString() : null;
}
