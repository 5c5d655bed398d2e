import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,

  text,
  timestamp,
  uniqueIndex,
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

/** Provider accounts, found or created at launch (the seed: "accounts are automatically created"). */
export const providers = pgTable(
  'providers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    integrationId: uuid('integration_id').notNull().references(() => integrations.id, { onDelete: 'cascade' }),
    epicUserId: text('epic_user_id').notNull(),
    email: text('email'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    userType: text('user_type').notNull(),
    createdAt: createdAt(),
    lastLaunchAt: timestamp('last_launch_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('providers_integration_epic_user').on(table.integrationId, table.epicUserId),
    index('providers_integration_email').on(table.integrationId, table.email),
  ],
);

/**
 * The one meeting of an Epic visit: unique per integration and visit key (ConferenceID, else
 * SessionID), so concurrent launches converge on one row through an upsert.
 */
export const meetings = pgTable(
  'meetings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    integrationId: uuid('integration_id').notNull().references(() => integrations.id, { onDelete: 'cascade' }),
    visitKey: text('visit_key').notNull(),
    sessionId: text('session_id'),
    conferenceId: text('conference_id'),
    /** waiting: no provider has joined yet; active: started; ended: over for everyone. */
    state: text('state').notNull().default('waiting'),
    admittancePolicy: text('admittance_policy').notNull(),
    defaultHostEmail: text('default_host_email').notNull(),
    hostProviderId: uuid('host_provider_id').references(() => providers.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (table) => [uniqueIndex('meetings_integration_visit').on(table.integrationId, table.visitKey), index('meetings_created_at').on(table.createdAt)],
);

/** A person in a meeting. Patient rows are deleted when the visit ends (spec section 5). */
export const participants = pgTable(
  'participants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    meetingId: uuid('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    userType: text('user_type').notNull(),
    epicUserId: text('epic_user_id').notNull(),
    epicUserIdType: text('epic_user_id_type'),
    sessionId: text('session_id'),
    conferenceId: text('conference_id'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    providerId: uuid('provider_id').references(() => providers.id, { onDelete: 'set null' }),
    /** Admitted patients go straight in whenever a provider is there; removed ones stay out. */
    admission: text('admission').notNull().default('waiting'),
    /** The open push stream that makes this participant connected; null when disconnected. */
    connectionId: text('connection_id'),
    connectedAt: timestamp('connected_at', { withTimezone: true }),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('participants_meeting_user').on(table.meetingId, table.userType, table.epicUserId),
    index('participants_connected_seen').on(table.lastSeenAt),
  ],
);

/**
 * Every connect and disconnect, written in the same transaction as the change. Epic is told
 * from these rows alone, so they copy what a notification needs and outlive the participant.
 */
export const participantEvents = pgTable(
  'participant_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    integrationId: uuid('integration_id').notNull(),
    meetingId: uuid('meeting_id').notNull(),
    participantId: uuid('participant_id'),
    sessionId: text('session_id'),
    conferenceId: text('conference_id'),
    epicUserId: text('epic_user_id').notNull(),
    epicUserIdType: text('epic_user_id_type'),
    userType: text('user_type').notNull(),
    status: text('status').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('participant_events_meeting').on(table.meetingId, table.id)],
);

/** WebRTC offers, answers and candidates on their way between two browsers. */
export const signals = pgTable(
  'signals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    meetingId: uuid('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    fromConnection: text('from_connection').notNull(),
    toConnection: text('to_connection').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
  },
  (table) => [index('signals_to_connection').on(table.toConnection, table.id)],
);

/** Every launch, good or refused, with the cause kept here and never shown to the browser. */
export const launchLog = pgTable(
  'launch_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    encryptionKey: text('encryption_key'),
    outcome: text('outcome').notNull(),
    detail: text('detail'),
    sessionId: text('session_id'),
    epicUserId: text('epic_user_id'),
    userType: text('user_type'),
    meetingId: uuid('meeting_id'),
  },
  (table) => [index('launch_log_at').on(table.at)],
);

export type Meeting = typeof meetings.$inferSelect;
export type Participant = typeof participants.$inferSelect;
export type Provider = typeof providers.$inferSelect;

/**
 * The outbox of calls to Epic: a connection-status notification per participant event, and
 * device-test results. Written in the same transaction as what caused it, sent by the worker
 * (lib/epic/notification-worker.ts). The id is the Idempotency-Key; `seq` orders each participant's
 * notifications (ordering_key), so a later status is never sent before an earlier one.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    seq: bigserial('seq', { mode: 'number' }).notNull().unique(),
    integrationId: uuid('integration_id').notNull().references(() => integrations.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    participantEventId: bigint('participant_event_id', { mode: 'number' }).unique(),
    meetingId: uuid('meeting_id'),
    sessionId: text('session_id'),
    epicUserId: text('epic_user_id'),
    userType: text('user_type'),
    /** Connected / Disconnected, or Passed / Failed for a device test. */
    status: text('status').notNull(),
    orderingKey: text('ordering_key').notNull(),
    body: jsonb('body').$type<Record<string, unknown>>().notNull(),
    /** pending (to send or retrying), delivered, failed, not_sent (no endpoint configured). */
    state: text('state').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    respCode: integer('resp_code'),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [
    index('notifications_meeting').on(table.meetingId, table.seq),
    index('notifications_session').on(table.sessionId, table.seq),
    index('notifications_created').on(table.createdAt),
    index('notifications_due').on(table.nextAttemptAt).where(sql`state = 'pending'`),
    index('notifications_ordering_pending').on(table.orderingKey, table.seq).where(sql`state = 'pending'`),
    // The Notification Records "only failures" filter: everything not delivered, newest first.
    index('notifications_undelivered').on(table.seq).where(sql`state <> 'delivered'`),
  ],
);

/** Each HTTP attempt of a notification, for the Notification Records detail view. Secrets redacted. */
export const notificationAttempts = pgTable(
  'notification_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    notificationId: uuid('notification_id').notNull().references(() => notifications.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    url: text('url').notNull(),
    requestHeaders: jsonb('request_headers').$type<Record<string, string>>().notNull(),
    requestBody: text('request_body').notNull(),
    /** 0 when no HTTP answer came (refused, DNS, timeout). */
    respCode: integer('resp_code').notNull(),
    responseStart: text('response_start'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (table) => [index('notification_attempts_notification').on(table.notificationId, table.id)],
);

/** OAuth access tokens obtained at launch, used as the Bearer for that participant's notifications. */
export const epicAccessTokens = pgTable('epic_access_tokens', {
  orderingKey: text('ordering_key').primaryKey(),
  accessTokenSealed: text('access_token_sealed').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  createdAt: createdAt(),
});

/** A launch waiting for Epic's OAuth callback: the state, the PKCE verifier and the launch itself, sealed. */
export const oauthLaunches = pgTable('oauth_launches', {
  state: text('state').primaryKey(),
  integrationId: uuid('integration_id').notNull().references(() => integrations.id, { onDelete: 'cascade' }),
  issuer: text('issuer').notNull(),
  tokenEndpoint: text('token_endpoint').notNull(),
  pendingSealed: text('pending_sealed').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  createdAt: createdAt(),
});

export type Notification = typeof notifications.$inferSelect;
