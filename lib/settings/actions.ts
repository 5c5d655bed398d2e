'use server';

import { eq } from 'drizzle-orm';
import { revalidatePath } from 'next/cache';
import { writeAudit } from '@/lib/audit/log';
import { integrationFor, requireAccess } from '@/lib/access';
import { LogoError, processLogo, type ProcessedLogo } from '@/lib/branding/logo';
import { db } from '@/lib/db';
import { integrations, logos, type Integration } from '@/lib/db/schema';
import { fieldErrorsOf } from '@/lib/errors';
import { sealSecret } from '@/lib/secrets';
import { env } from '@/lib/env';
import { checkIntegration, type CheckResult } from '@/lib/epic/integration-check';
import { integrationCheckSchema } from '@/lib/epic/integration-check-schema';
import { sendTestNotification, type TestNotificationResult } from '@/lib/epic/test-notification';
import {
  encryptionSecretWarning,
  isAes256Secret,
  logoFileSchema,
  SECRET_FIELDS,
  settingsSchema,
  type SecretField,
  type SettingsValues,
} from '@/lib/settings/schema';
import { secretsVoidedBy, VOIDED_SECRET_MESSAGES } from '@/lib/settings/secret-destinations';
import { integrationById, openIntegrationSecret, SEALED_COLUMNS, storedSecrets } from '@/lib/settings/store';
import { announce, SETTINGS_TOPIC } from '@/lib/db/bus';
import { describeError, log } from '@/lib/log';

export interface SaveSettingsResult {
  ok: boolean;
  message: string;
  fieldErrors?: Record<string, string>;
  /** The integration saved (a new one's id, for the page to go to). */
  integrationId?: string;
}

/**
 * Saves the whole settings form of one integration, logo included, in one transaction: a refused
 * field or a failed write changes nothing. FormData carries `integrationId` (or "new": the owner
 * adds an integration), `settings` (JSON of the form values), `logo` (a file) and `removeLogo` ("1").
 */
export async function saveSettings(formData: FormData): Promise<SaveSettingsResult> {
  const access = await requireAccess();
  const admin = access.admin;
  const database = await db();
  const target = formData.get('integrationId');
  let current: Integration | null = null;
  if (target === 'new') {
    if (!access.isOwner) return { ok: false, message: 'Only the owner can add an integration.' };
  } else {
    current = await integrationFor(database, access, target);
    if (!current) return { ok: false, message: 'This integration is not yours to change.' };
  }

  const parsed = settingsSchema(storedSecrets(current), { publicUrlConfigured: env().publicUrlConfigured, mediaServerConfigured: Boolean(env().JANUS_URL) }).safeParse(parseJson(formData.get('settings')));
  if (!parsed.success) return invalid(fieldErrorsOf(parsed.error));
  const settings = parsed.data;

  // An algorithm change that keeps the stored secret must still leave a usable key.
  if (current && settings.encryptionSecret === '' && settings.encryptionAlgorithm === 'AES-256-CBC') {
    const storedSecret = openIntegrationSecret(current, 'encryptionSecret');
    if (storedSecret !== null && !isAes256Secret(storedSecret)) {
      return invalid({ encryptionSecret: 'The stored secret is not a 32-byte base64 key; enter or generate a new one for AES-256-CBC' });
    }
  }

  let logo: ProcessedLogo | null = null;
  const upload = formData.get('logo');
  if (upload !== null && upload !== '') {
    const file = logoFileSchema.safeParse(upload);
    if (!file.success) return invalid({ logo: file.error.issues[0]?.message ?? 'Choose a PNG or JPEG file' });
    try {
      logo = await processLogo(Buffer.from(await file.data.arrayBuffer()));
    } catch (error) {
      if (error instanceof LogoError) return invalid({ logo: error.message });
      throw error;
    }
  }
  const removeLogo = formData.get('removeLogo') === '1';

  // A secret stays only with the hosts it was saved for (lib/settings/secret-destinations.ts).
  const voided = current ? secretsVoidedBy(current, settings).filter((field) => settings[field] === '' && current[SEALED_COLUMNS[field]]) : [];
  // "Remove the client secret": the integration goes back to a public client.
  const removed: SecretField[] = settings.removeOauthClientSecret && current?.oauthClientSecretSealed && !voided.includes('oauthClientSecret') ? ['oauthClientSecret'] : [];
  if (voided.includes('authPassword') && settings.authType === 'basic') {
    return invalid({ authPassword: 'An Epic endpoint now points at a new host: enter the Auth Password again. A stored password is never sent to a host it was not saved for.' });
  }
  const values = rowValues(settings, current, logo ? logo.hash : removeLogo ? null : (current?.logoHash ?? null), [...voided, ...removed]);
  const changedFields = [...changedFieldNames(current, values, settings), ...voided, ...removed];
  // Nothing to write, and nothing for the audit log to say.
  if (current && changedFields.length === 0) return { ok: true, message: withWarning('Nothing had changed; nothing was saved.', settings) };

  let savedId = current?.id ?? null;
  try {
    await database.transaction(async (tx) => {
      if (logo) {
        const { hash, contentType, width, height, bytes } = logo;
        await tx.insert(logos).values({ hash, contentType, width, height, bytes }).onConflictDoNothing();
      }
      if (current) {
        await tx.update(integrations).set({ ...values, updatedAt: new Date() }).where(eq(integrations.id, current.id));
      } else {
        savedId = (await tx.insert(integrations).values(values).returning({ id: integrations.id }))[0]!.id;
      }
      await writeAudit(tx, {
        actorEmail: admin.email,
        action: current ? 'settings.update' : 'settings.create',
        target: `integration ${values.encryptionKey}`,
        changedFields,
      });
      // Every app server drops its cached copy when this commits.
      await announce(tx, SETTINGS_TOPIC);
    });
  } catch (error) {
    if (isUniqueViolation(error)) return invalid({ encryptionKey: 'Another integration already uses this Encryption Key' });
    log.error({ area: 'settings', error: describeError(error) }, 'settings save failed');
    return { ok: false, message: 'The settings could not be saved; nothing was changed. Try again.' };
  }

  revalidatePath('/admin/settings');
  const voidedNote = voided.map((field) => VOIDED_SECRET_MESSAGES[field as keyof typeof VOIDED_SECRET_MESSAGES]).join(' ');
  const saved = `Settings saved (${changedFields.length} changed).${voidedNote ? ` ${voidedNote}` : ''}${removed.length ? ' The OAuth client secret was removed.' : ''}`;
  return { ok: true, message: withWarning(saved, settings), integrationId: savedId ?? undefined };
}

/** The save's message, with what the admin should know about a weak but accepted value. */
function withWarning(message: string, settings: SettingsValues): string {
  const warning = encryptionSecretWarning(settings.encryptionAlgorithm, settings.encryptionSecret);
  return warning ? `${message} ${warning}` : message;
}

type IntegrationValues = Omit<typeof integrations.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;

function rowValues(settings: SettingsValues, current: Integration | null, logoHash: string | null, voided: SecretField[]): IntegrationValues {
  const sealed = (field: SecretField) =>
    settings[field] !== '' ? sealSecret(settings[field], field) : voided.includes(field) ? null : (current?.[SEALED_COLUMNS[field]] ?? null);
  return {
    encryptionKey: settings.encryptionKey,
    defaultHostEmail: settings.defaultHostEmail,
    providerUserType: settings.providerUserType,
    encryptionAlgorithm: settings.encryptionAlgorithm,
    encryptionSecretSealed: sealed('encryptionSecret') ?? '',
    epicEnvironment: settings.epicEnvironment,
    admittancePolicy: settings.admittancePolicy,
    authType: settings.authType,
    oauthClientAuth: settings.oauthClientAuth,
    authName: settings.authName || null,
    authPasswordSealed: sealed('authPassword'),
    oauthClientIdTest: settings.oauthClientIdTest || null,
    oauthClientIdProduction: settings.oauthClientIdProduction || null,
    oauthClientSecretSealed: sealed('oauthClientSecret'),
    oauthIssuersTest: settings.oauthIssuersTest,
    oauthIssuersProduction: settings.oauthIssuersProduction,
    epicClientId: settings.epicClientId || null,
    vendorName: settings.vendorName,
    connectionStatusUrl: settings.connectionStatusUrl || null,
    deviceTestUrl: settings.deviceTestUrl || null,
    deviceTestHelpUrl: settings.deviceTestHelpUrl || null,
    epicTimeZone: settings.epicTimeZone,
    defaultLinkValidityMinutes: settings.defaultLinkValidityMinutes,
    customText: settings.customText,
    logoHash,
    name: settings.name,
    screenSharePolicy: settings.screenSharePolicy,
    chatEnabled: settings.chatEnabled,
    largestVisit: settings.largestVisit,
  };
}

/** Field names whose value changed; secrets count as changed whenever a new value was entered. */
function changedFieldNames(current: Integration | null, next: IntegrationValues, settings: SettingsValues): string[] {
  const changed: string[] = [];
  for (const [column, value] of Object.entries(next)) {
    const secretField = SECRET_FIELDS.find((field) => SEALED_COLUMNS[field] === column);
    if (secretField) {
      if (settings[secretField] !== '') changed.push(secretField);
      continue;
    }
    const before = current ? (current as Record<string, unknown>)[column] : undefined;
    if (JSON.stringify(before ?? null) !== JSON.stringify(value ?? null)) changed.push(column);
  }
  return changed;
}

function parseJson(value: FormDataEntryValue | null): unknown {
  if (typeof value !== 'string') return null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

function invalid(fieldErrors: Record<string, string>): SaveSettingsResult {
  return { ok: false, message: 'Some fields need attention; nothing was saved.', fieldErrors };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
  return code === '23505';
}

/** "Send test notification": one real call to the saved endpoint, recorded and marked as a test. */
export async function sendTestNotificationAction(integrationId: unknown): Promise<TestNotificationResult> {
  const access = await requireAccess();
  const database = await db();
  const integration = await integrationFor(database, access, integrationId);
  if (!integration) return { sent: false, reason: 'Save the settings first.' };
  return sendTestNotification(database, integration, env().NOTIFY_TIMEOUT_MS);
}

export type IntegrationCheckAnswer = { ok: true; message: string; results: CheckResult[] } | { ok: false; message: string; fieldErrors?: Record<string, string> };

/** One check at a time per integration on this server: each makes real calls to Epic. */
const checksRunning = new Set<string>();

/** "Check this integration": every check without a patient, recorded in the audit log. */
export async function checkIntegrationAction(integrationId: unknown, input: unknown): Promise<IntegrationCheckAnswer> {
  const access = await requireAccess();
  const database = await db();
  const integration = await integrationFor(database, access, integrationId);
  if (!integration) return { ok: false, message: 'There is no saved integration of yours to check.' };
  const parsed = integrationCheckSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'Some fields need attention.', fieldErrors: fieldErrorsOf(parsed.error) };
  if (checksRunning.has(integration.id)) return { ok: false, message: 'A check of this integration is already running; its results come in a moment.' };
  checksRunning.add(integration.id);
  try {
    const results = await checkIntegration(database, integration, { timeoutMs: env().NOTIFY_TIMEOUT_MS, launchLink: parsed.data.launchLink, unsavedFields: parsed.data.unsavedFields });
    const count = (outcome: CheckResult['outcome']) => results.filter((result) => result.outcome === outcome).length;
    await writeAudit(database, {
      actorEmail: access.admin.email,
      action: 'integration.check',
      target: `integration ${integration.encryptionKey}`,
      detail: { passed: count('Passed'), failed: count('Failed'), skipped: count('Skipped'), failedChecks: results.filter((result) => result.outcome === 'Failed').map((result) => result.name) },
    });
    const failed = count('Failed');
    return { ok: true, message: failed ? `${failed} check${failed === 1 ? '' : 's'} failed.` : 'Every check that could run passed.', results };
  } finally {
    checksRunning.delete(integration.id);
  }
}
