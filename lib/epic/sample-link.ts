'use server';

import { headers } from 'next/headers';
import { writeAudit } from '@/lib/audit/log';
import { integrationFor, requireAccess } from '@/lib/access';
import { db } from '@/lib/db';
import { env } from '@/lib/env';
import { encryptLaunchData, launchKeyFromSecret, type EncryptionAlgorithm } from '@/lib/epic/launch-token';
import { sampleLinkSchema, type SampleLink } from '@/lib/epic/sample-link-schema';
import { fieldErrorsOf } from '@/lib/errors';
import { openIntegrationSecret } from '@/lib/settings/store';

export interface SampleLinkResult {
  ok: boolean;
  message: string;
  fieldErrors?: Record<string, string>;
  /** The absolute launch link, as Epic would open it. */
  link?: string;
  /** What was encrypted, for comparing with the FDI record. Never the secret. */
  plaintext?: string;
  /** ISO 8601; null when the link never expires. */
  expiresAt?: string | null;
}

/**
 * A launch link built exactly as Epic builds one for the primary integration, so an admin or
 * Epic analyst can try the whole path (or compare with Epic's own link) without Epic.
 */
export async function generateSampleLink(input: unknown): Promise<SampleLinkResult> {
  const access = await requireAccess();
  const admin = access.admin;
  const parsed = sampleLinkSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'Some fields need attention.', fieldErrors: fieldErrorsOf(parsed.error) };

  const database = await db();
  const integration = await integrationFor(database, access, parsed.data.integrationId);
  if (!integration) return { ok: false, message: 'Choose an integration of yours.', fieldErrors: { integrationId: 'Choose an integration of yours' } };
  const algorithm = integration.encryptionAlgorithm as EncryptionAlgorithm;
  let key: Buffer;
  try {
    key = launchKeyFromSecret(openIntegrationSecret(integration, 'encryptionSecret') ?? '', algorithm);
  } catch {
    // Say where to fix it, never anything about the secret itself.
    return { ok: false, message: `The stored Encryption Secret cannot be used with ${algorithm}. Set a new one in Settings.` };
  }

  const origin = await requestOrigin();
  if (origin === null) return { ok: false, message: 'The server address is unknown: set NEXTAUTH_URL.' };

  const now = new Date();
  const plaintext = launchPlaintext(parsed.data, now);
  const data = encryptLaunchData(plaintext, key, algorithm);
  const link = `${origin}/launch?key=${encodeURIComponent(integration.encryptionKey)}&data=${encodeURIComponent(data)}${parsed.data.deviceTest ? '&mode=devicetest' : ''}`;

  // A sample link admits whoever holds it as any patient or provider, so minting one is recorded.
  await writeAudit(database, {
    actorEmail: admin.email,
    action: 'launch_link.generate',
    target: `session ${parsed.data.conferenceId || parsed.data.sessionId}`,
    detail: { userType: parsed.data.userType, externalId: parsed.data.externalId, linkValidityMinutes: parsed.data.linkValidityMinutes },
  });

  // Without LinkValidityPeriod the launch applies the integration's default, and so does this.
  const minutes = parsed.data.linkValidityMinutes ?? integration.defaultLinkValidityMinutes;
  const expiresAt = minutes === 0 ? null : new Date(now.getTime() + minutes * 60_000).toISOString();
  const whose = parsed.data.linkValidityMinutes === null ? " (the integration's default; the link has no LinkValidityPeriod)" : '';
  return {
    ok: true,
    message: expiresAt ? `Link generated; it is valid until ${expiresAt.replace('T', ' ').slice(0, 19)} UTC${whose}.` : `Link generated; it never expires${whose}.`,
    link,
    plaintext,
    expiresAt,
  };
}

/** Epic's plaintext: the FDI record's fields, form-encoded, with Timestamp in Unix seconds. */
function launchPlaintext(fields: SampleLink, now: Date): string {
  const entries: Array<[string, string]> = [
    ['SessionID', fields.sessionId],
    ['ConferenceID', fields.conferenceId],
    ['UserType', fields.userType],
    ['ExternalID', fields.externalId],
    ['FirstName', fields.firstName],
    ['LastName', fields.lastName],
    ['Email', fields.email],
    ['RoomName', fields.roomName],
    ['Timestamp', String(Math.floor(now.getTime() / 1000))],
    ['LinkValidityPeriod', fields.linkValidityMinutes === null ? '' : String(fields.linkValidityMinutes)],
  ];
  return new URLSearchParams(entries.filter(([, value]) => value !== '')).toString();
}

/**
 * Where the admin reached this server, so the link works from where they are (behind a proxy
 * too); NEXTAUTH_URL when the request does not say. A malformed host is not trusted.
 */
async function requestOrigin(): Promise<string | null> {
  const requestHeaders = await headers();
  const host = firstValue(requestHeaders.get('x-forwarded-host')) ?? firstValue(requestHeaders.get('host'));
  const proto = firstValue(requestHeaders.get('x-forwarded-proto')) ?? 'http';
  if (host && HOST_PATTERN.test(host) && (proto === 'http' || proto === 'https')) return `${proto}://${host}`;
  const configured = env().NEXTAUTH_URL;
  return configured ? new URL(configured).origin : null;
}

const HOST_PATTERN = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function firstValue(header: string | null): string | null {
  const value = header?.split(',')[0]?.trim();
  return value ? value : null;
}
