import { and, eq, isNull } from 'drizzle-orm';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import { writeAudit } from '@/lib/audit/log';
import type { Database } from '@/lib/db/client';
import { adminSessions, admins, appMilestones, type Admin, type AdminSession } from '@/lib/db/schema';
import { OWNER_CREATED } from './milestones';
import { env } from '@/lib/env';
import { startSession } from './sessions';
import { SSO_PROVIDER_ID } from './single-sign-on-id';

// Admins sign in through the hospital's own identity provider (OpenID Connect): who may is decided by
// the groups in the ID token, at every sign-in. next-auth's OAuth provider, over openid-client, runs
// the authorization code flow with PKCE, state and nonce, and checks the ID token's signature
// (the provider's published keys), issuer, audience, nonce and expiry; this module decides what a
// checked identity may do. The password rule (PASSWORD_SIGN_IN) is here too: it is what single
// sign-on changes for password accounts. docs/admin-sign-in.md says it for operators.

export { SSO_PROVIDER_ID };

export interface SingleSignOn {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  groupsClaim: string;
  adminGroups: string[];
  ownerGroups: string[];
}

/** The operator's single sign-on, or null when OIDC_ISSUER is not set (lib/env.ts checked the rest). */
export function singleSignOn(): SingleSignOn | null {
  const settings = env();
  if (!settings.OIDC_ISSUER || !settings.OIDC_CLIENT_ID || !settings.OIDC_CLIENT_SECRET) return null;
  return {
    issuer: settings.OIDC_ISSUER,
    clientId: settings.OIDC_CLIENT_ID,
    clientSecret: settings.OIDC_CLIENT_SECRET,
    name: settings.OIDC_NAME,
    groupsClaim: settings.OIDC_GROUPS_CLAIM,
    adminGroups: settings.OIDC_ADMIN_GROUPS,
    ownerGroups: settings.OIDC_OWNER_GROUPS,
  };
}

/** What single sign-on needs shown on the sign-in page: the button's name, and whether passwords are offered. */
export function signInChoices(): { ssoName: string | null; passwordForm: boolean } {
  return { ssoName: singleSignOn()?.name ?? null, passwordForm: env().PASSWORD_SIGN_IN !== 'none' };
}

/** PASSWORD_SIGN_IN: may an account of this role sign in (or stay signed in) with a password? */
export function passwordSignInAllowed(role: Admin['role']): boolean {
  const rule = env().PASSWORD_SIGN_IN;
  return rule === 'all' || (rule === 'owner' && role === 'owner');
}

export type IdTokenClaims = Record<string, unknown> & { sub: string; iss?: string };

/** next-auth's provider: discovery at the issuer, code flow with PKCE, client_secret_basic, the ID token checked. */
export function ssoProvider(config: SingleSignOn): OAuthConfig<IdTokenClaims> {
  return {
    id: SSO_PROVIDER_ID,
    name: config.name,
    type: 'oauth',
    wellKnown: `${withoutTrailingSlash(config.issuer)}/.well-known/openid-configuration`,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    client: { token_endpoint_auth_method: 'client_secret_basic' },
    authorization: { params: { scope: 'openid email profile' } },
    idToken: true,
    checks: ['pkce', 'state', 'nonce'],
    profile: (claims) => ({ id: claims.sub, email: emailOf(claims), name: typeof claims.name === 'string' ? claims.name : null }),
  };
}

/** The role the ID token's groups give: owner, admin, or none. */
export function roleFromClaims(claims: Record<string, unknown>, config: Pick<SingleSignOn, 'groupsClaim' | 'adminGroups' | 'ownerGroups'>): Admin['role'] | null {
  const groups = new Set(groupsOf(claims, config.groupsClaim));
  if (config.ownerGroups.some((group) => groups.has(group))) return 'owner';
  if (config.adminGroups.some((group) => groups.has(group))) return 'admin';
  return null;
}

/**
 * The claim's values: an array of strings, or one string. A name with dots that is not itself a
 * claim is read as a path (Keycloak's realm_access.roles); URL-named claims (Auth0's) are read whole.
 */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  let value: unknown = claims[claim];
  if (value === undefined && claim.includes('.')) {
    value = claim.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), claims);
  }
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The person's email: the email claim, else a UPN-style username (Entra ID sends email only when set). */
export function emailOf(claims: Record<string, unknown>): string | null {
  for (const name of ['email', 'preferred_username', 'upn']) {
    const value = claims[name];
    if (typeof value === 'string' && /^[^\s@]+@[^\s@]+$/.test(value) && value.length <= 254) return value.toLowerCase();
  }
  return null;
}

export type SingleSignOnVerdict =
  | { kind: 'signed-in'; admin: Admin; session: AdminSession }
  /** `page`: what the sign-in page shows; `reason`: what the audit log and the server's log keep. */
  | { kind: 'refused'; page: 'NoAccess' | 'NoEmail' | 'SsoRefused'; reason: string; email: string | null };

/**
 * A person the identity provider vouched for (their ID token checked): their account, made or
 * linked on first sign-in, with the role their groups give now, and a new session; or the refusal.
 * An account is found by issuer and subject; a first sign-in links the password account of the same
 * email, if there is one and it is not linked to someone else.
 */
export async function signInWithIdentity(
  database: Database,
  config: SingleSignOn,
  claims: IdTokenClaims,
  request: { address: string; userAgent: string; lifetimeMs: number },
): Promise<SingleSignOnVerdict> {
  const email = emailOf(claims);
  const refuse = async (page: 'NoAccess' | 'NoEmail' | 'SsoRefused', reason: string, known: Admin | undefined): Promise<SingleSignOnVerdict> => {
    await database.transaction(async (tx) => {
      await writeAudit(tx, { actorEmail: email ?? `${claims.sub} (no email)`, action: 'sign-in.refused', detail: { method: 'sso', reason, subject: claims.sub, address: request.address } });
      // Someone taken out of every group loses what single sign-on gave them, now.
      if (known) {
        await tx
          .update(adminSessions)
          .set({ endedAt: new Date(), endedBy: 'no longer in an admin group' })
          .where(and(eq(adminSessions.adminId, known.id), eq(adminSessions.method, 'sso'), isNull(adminSessions.endedAt)));
      }
    });
    return { kind: 'refused', page, reason, email };
  };
  // openid-client checked the token's issuer against the discovered one; this checks that one is the configured one.
  if (withoutTrailingSlash(String(claims.iss ?? '')) !== withoutTrailingSlash(config.issuer)) {
    return refuse('SsoRefused', `issuer ${String(claims.iss)} is not OIDC_ISSUER`, undefined);
  }
  const [known] = await database
    .select()
    .from(admins)
    .where(and(eq(admins.oidcIssuer, config.issuer), eq(admins.oidcSubject, claims.sub)));
  const role = roleFromClaims(claims, config);
  if (!role) return refuse('NoAccess', `in none of the groups of OIDC_ADMIN_GROUPS or OIDC_OWNER_GROUPS (claim ${config.groupsClaim})`, known);
  if (!email) return refuse('NoEmail', 'the ID token has no email, preferred_username or upn that is an email address', known);

  const [sameEmail] = known ? [] : await database.select().from(admins).where(eq(admins.email, email));
  if (sameEmail?.oidcSubject) return refuse('SsoRefused', `${email} is linked to another identity of the provider`, undefined);

  return database.transaction(async (tx) => {
    let admin = known;
    let made = false;
    if (sameEmail) {
      [admin] = await tx.update(admins).set({ oidcIssuer: config.issuer, oidcSubject: claims.sub }).where(eq(admins.id, sameEmail.id)).returning();
    } else if (!admin) {
      [admin] = await tx.insert(admins).values({ email, passwordHash: null, role, createdBy: 'single sign-on', oidcIssuer: config.issuer, oidcSubject: claims.sub }).returning();
      made = true;
      // Someone now manages this server: /setup's one-time owner account is no longer to be had.
      await tx.insert(appMilestones).values({ name: OWNER_CREATED }).onConflictDoNothing();
    }
    if (!admin) throw new Error('the admin row was not written');
    if (admin.role !== role) {
      [admin] = await tx.update(admins).set({ role }).where(eq(admins.id, admin.id)).returning();
      await writeAudit(tx, { actorEmail: email, action: 'admin.role', target: email, detail: { role, reason: 'groups at single sign-on' } });
    }
    const session = await startSession(tx, { adminId: admin!.id, userAgent: request.userAgent, address: request.address, lifetimeMs: request.lifetimeMs, method: 'sso' });
    await writeAudit(tx, { actorEmail: admin!.email, action: 'sign-in', detail: { method: 'sso', sessionId: session.id, address: request.address, role, accountMade: made } });
    return { kind: 'signed-in', admin: admin!, session } as const;
  });
}

function withoutTrailingSlash(value: string): string {
  return value.endsWith('/') ? value.slice(0, -1) : value;
}
