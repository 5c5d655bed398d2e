/** next-auth's id of the single sign-on provider: its callback is /api/auth/callback/oidc. Kept apart so the sign-in button's bundle takes nothing else of the server's module. */
export const SSO_PROVIDER_ID = 'oidc';
