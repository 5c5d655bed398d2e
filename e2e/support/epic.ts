import { randomBytes } from 'node:crypto';
import { encryptLaunchData, launchKeyFromSecret } from '../../lib/epic/launch-token';
import { sealSecret } from '../../lib/secrets';
import { query } from './database';

export interface TestIntegration {
  id: string;
  encryptionKey: string;
  secret: string;
}

/** A secret sealed as the app under test seals it, for seeding a sealed column. */
export function sealForApp(value: string, field: 'encryptionSecret' | 'authPassword' | 'oauthClientSecret' | 'epicAccessToken'): string {
  return sealSecret(value, field, appMasterKey());
}

/** The e2e app servers' master key (what their secrets are sealed with, and visit rooms derived from). */
export function appMasterKey(): Buffer {
  return Buffer.from(JSON.parse(process.env.E2E_APP_ENV!).TELEVISIT_MASTER_KEY, 'base64');
}

/** Seeds an integration of its own through the database, so specs never share settings. */
export async function seedIntegration(overrides: Record<string, unknown> = {}): Promise<TestIntegration> {
  const masterKey = appMasterKey();
  const secret = randomBytes(32).toString('base64');
  const encryptionKey = `e2e-${randomBytes(6).toString('hex')}`;
  const values: Record<string, unknown> = {
    encryption_key: encryptionKey,
    default_host_email: 'host@hospital.example',
    provider_user_type: 'Licensed',
    encryption_algorithm: 'AES-256-CBC',
    encryption_secret_sealed: sealSecret(secret, 'encryptionSecret', masterKey),
    epic_environment: 'Test',
    admittance_policy: 'automatic',
    auth_type: 'none',
    vendor_name: 'Televisit',
    epic_time_zone: 'America/Chicago',
    default_link_validity_minutes: 60,
    custom_text: '',
    ...overrides,
  };
  const columns = Object.keys(values);
  const [row] = await query<{ id: string }>(
    `insert into integrations (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')}) returning id`,
    Object.values(values),
  );
  return { id: row!.id, encryptionKey, secret };
}

export interface LaunchFields {
  SessionID?: string;
  UserType: 'Patient' | 'Provider';
  ExternalID: string;
  FirstName?: string;
  LastName?: string;
  [name: string]: string | undefined;
}

/** The link Epic would open, built as the spec says: query string, AES-CBC with a zero IV, base64, URL-encoded. */
export function launchPath(integration: TestIntegration, fields: LaunchFields, extra = ''): string {
  const plaintext = new URLSearchParams(
    Object.entries({ Timestamp: String(Math.floor(Date.now() / 1000)), ...fields }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ).toString();
  const data = encryptLaunchData(plaintext, launchKeyFromSecret(integration.secret, 'AES-256-CBC'), 'AES-256-CBC');
  return `/launch?key=${encodeURIComponent(integration.encryptionKey)}&data=${encodeURIComponent(data)}${extra}`;
}

export function uniqueSessionId(): string {
  return String(10_000_000_000 + Math.floor(Math.random() * 9_000_000_000));
}
