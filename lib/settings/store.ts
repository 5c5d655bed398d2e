import { randomBytes } from 'node:crypto';
import { asc, eq, isNull } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { integrations, type Integration } from '@/lib/db/schema';
import { openSecret, secretHint } from '@/lib/secrets';
import type { ReadLaunchOptions } from '@/lib/epic/launch-token';
import type { SecretField, SettingsFormValues, StoredSecrets } from '@/lib/settings/schema';
import { PEER_TO_PEER_LARGEST_VISIT } from '@/lib/visit/schema';

// Secret columns and the name each is sealed under (the name is the AES-GCM associated data).
export const SEALED_COLUMNS = {
  encryptionSecret: 'encryptionSecretSealed',
  authPassword: 'authPasswordSealed',
  oauthClientSecret: 'oauthClientSecretSealed',
} as const satisfies Record<SecretField, keyof Integration>;

/** The oldest integration still in use: the plain device test's help link comes from it. */
export async function primaryIntegration(database: Database): Promise<Integration | null> {
  const [row] = await database.select().from(integrations).where(isNull(integrations.retiredAt)).orderBy(asc(integrations.createdAt)).limit(1);
  return row ?? null;
}

export async function integrationByKey(database: Database, encryptionKey: string): Promise<Integration | null> {
  const [row] = await database.select().from(integrations).where(eq(integrations.encryptionKey, encryptionKey));
  return row ?? null;
}

export async function integrationById(database: Database, id: string): Promise<Integration | null> {
  const [row] = await database.select().from(integrations).where(eq(integrations.id, id));
  return row ?? null;
}

export function storedSecrets(row: Integration | null): StoredSecrets {
  return {
    encryptionSecret: Boolean(row?.encryptionSecretSealed),
    authPassword: Boolean(row?.authPasswordSealed),
    oauthClientSecret: Boolean(row?.oauthClientSecretSealed),
  };
}

/** Last four characters of each stored secret: all the browser ever learns of them. */
export function secretHints(row: Integration | null): Record<SecretField, string | null> {
  return {
    encryptionSecret: secretHint(row?.encryptionSecretSealed, 'encryptionSecret'),
    authPassword: secretHint(row?.authPasswordSealed, 'authPassword'),
    oauthClientSecret: secretHint(row?.oauthClientSecretSealed, 'oauthClientSecret'),
  };
}

export function openIntegrationSecret(row: Integration, field: SecretField): string | null {
  const sealed = row[SEALED_COLUMNS[field]];
  return sealed ? openSecret(sealed, field) : null;
}

/** How this integration reads a launch link at `now`: its secret, algorithm, Epic time zone and default validity. */
export function launchReadOptions(row: Integration, now: Date): ReadLaunchOptions {
  return {
    secret: openIntegrationSecret(row, 'encryptionSecret') ?? '',
    algorithm: row.encryptionAlgorithm,
    now,
    epicTimeZone: row.epicTimeZone,
    defaultLinkValidityMinutes: row.defaultLinkValidityMinutes,
  };
}

/** What the form starts from: the stored settings with secrets blank, or sensible defaults. */
export function formValues(row: Integration | null): SettingsFormValues {
  return {
    name: row?.name ?? '',
    defaultHostEmail: row?.defaultHostEmail ?? '',
    providerUserType: row?.providerUserType ?? 'Licensed',
    encryptionKey: row?.encryptionKey ?? randomBytes(18).toString('base64url'),
    encryptionAlgorithm: row?.encryptionAlgorithm ?? 'AES-256-CBC',
    encryptionSecret: '',
    epicEnvironment: row?.epicEnvironment ?? 'Test',
    admittancePolicy: row?.admittancePolicy ?? 'automatic',
    authType: row?.authType ?? 'none',
    oauthClientAuth: row?.oauthClientAuth ?? 'client_secret_basic',
    authName: row?.authName ?? '',
    authPassword: '',
    oauthClientIdTest: row?.oauthClientIdTest ?? '',
    oauthClientIdProduction: row?.oauthClientIdProduction ?? '',
    oauthClientSecret: '',
    removeOauthClientSecret: false,
    oauthIssuersTest: (row?.oauthIssuersTest ?? []).join('\n'),
    oauthIssuersProduction: (row?.oauthIssuersProduction ?? []).join('\n'),
    epicClientId: row?.epicClientId ?? '',
    vendorName: row?.vendorName ?? 'Televisit',
    connectionStatusUrl: row?.connectionStatusUrl ?? '',
    deviceTestUrl: row?.deviceTestUrl ?? '',
    deviceTestHelpUrl: row?.deviceTestHelpUrl ?? '',
    epicTimeZone: row?.epicTimeZone ?? 'America/Chicago',
    defaultLinkValidityMinutes: String(row?.defaultLinkValidityMinutes ?? 60),
    customText: row?.customText ?? '',
    screenSharePolicy: row?.screenSharePolicy ?? 'providers',
    chatEnabled: row?.chatEnabled ?? false,
    largestVisit: String(row?.largestVisit ?? PEER_TO_PEER_LARGEST_VISIT),
  };
}
