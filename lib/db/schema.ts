import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,

  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

// One PostgreSQL schema for both databases: PGlite (embedded default) and PostgreSQL.

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const admins = pgTable('admins', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdBy: text('created_by'),
  createdAt: createdAt(),
});

/** Once-only facts such as "the owner account was created"; the primary key makes them once-only. */
export const appMilestones = pgTable('app_milestones', {
  name: text('name').primaryKey(),
  createdAt: createdAt(),
});

export const signInAttempts = pgTable(
  'sign_in_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    email: text('email').notNull(),
    address: text('address').notNull(),
    succeeded: boolean('succeeded').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('sign_in_attempts_email_at').on(table.email, table.at), index('sign_in_attempts_address_at').on(table.address, table.at)],
);

export const logos = pgTable('logos', {
  hash: text('hash').primaryKey(),
  contentType: text('content_type').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  bytes: bytea('bytes').notNull(),
  createdAt: createdAt(),
});

/** One Epic organization's integration, found by its public Encryption Key. Secrets are sealed (lib/secrets.ts). */
export const integrations = pgTable('integrations', {
  id: uuid('id').primaryKey().defaultRandom(),
  encryptionKey: text('encryption_key').notNull().unique(),
  defaultHostEmail: text('default_host_email').notNull(),
  providerUserType: text('provider_user_type').notNull(),
  encryptionAlgorithm: text('encryption_algorithm').notNull(),
  encryptionSecretSealed: text('encryption_secret_sealed').notNull(),
  epicEnvironment: text('epic_environment').notNull(),
  admittancePolicy: text('admittance_policy').notNull(),
  authType: text('auth_type').notNull(),
  authName: text('auth_name'),
  authPasswordSealed: text('auth_password_sealed'),
  oauthClientIdTest: text('oauth_client_id_test'),
  oauthClientIdProduction: text('oauth_client_id_production'),
  oauthClientSecretSealed: text('oauth_client_secret_sealed'),
  oauthIssuersTest: text('oauth_issuers_test').array().notNull().default(sql`'{}'::text[]`),
  oauthIssuersProduction: text('oauth_issuers_production').array().notNull().default(sql`'{}'::text[]`),
  epicClientId: text('epic_client_id'),
  vendorName: text('vendor_name').notNull(),
  connectionStatusUrl: text('connection_status_url'),
  deviceTestUrl: text('device_test_url'),
  deviceTestHelpUrl: text('device_test_help_url'),
  epicTimeZone: text('epic_time_zone').notNull(),
  defaultLinkValidityMinutes: integer('default_link_validity_minutes').notNull(),
  customText: text('custom_text').notNull().default(''),
  logoHash: text('logo_hash').references(() => logos.hash),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorEmail: text('actor_email').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    /** Names of the fields that changed; never their values when they are secrets. */
    changedFields: text('changed_fields').array().notNull().default(sql`'{}'::text[]`),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (table) => [index('audit_log_at').on(table.at)],
);

export type Integration = typeof integrations.$inferSelect;
export type Admin = typeof admins.$inferSelect;
