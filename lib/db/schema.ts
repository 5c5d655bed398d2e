import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  ADMITTANCE_POLICIES,
  AUTH_TYPES,
  ENCRYPTION_ALGORITHMS,
  EPIC_ENVIRONMENTS,
  OAUTH_CLIENT_AUTH_METHODS,
  PROVIDER_USER_TYPES,
} from '@/lib/settings/schema';
import { ADMISSIONS, GUEST_ROLES, MEETING_STATES, PARTICIPANT_TYPES, PEER_TO_PEER_LARGEST_VISIT } from '@/lib/visit/schema';
import { SCREEN_SHARE_POLICIES } from '@/lib/settings/schema';

// One PostgreSQL schema for both databases: PGlite (embedded default) and PostgreSQL.
// States are enums, so the database refuses a value the code does not know.

/** Patient and Provider come from Epic's launches; Room is a registered device in a patient's room (monitor calls). */
export const userTypeEnum = pgEnum('user_type', PARTICIPANT_TYPES);
export const guestRoleEnum = pgEnum('guest_role', GUEST_ROLES);
export const screenSharePolicyEnum = pgEnum('screen_share_policy', SCREEN_SHARE_POLICIES);
export const meetingStateEnum = pgEnum('meeting_state', MEETING_STATES);
export const admissionEnum = pgEnum('admission', ADMISSIONS);
export const connectionStatusEnum = pgEnum('connection_status', ['Connected', 'Disconnected']);
export const notificationKindEnum = pgEnum('notification_kind', ['connection_status', 'device_test']);
/** pending: to send or retrying; delivered; failed (final); not_sent: no endpoint was configured. */
export const notificationStateEnum = pgEnum('notification_state', ['pending', 'delivered', 'failed', 'not_sent']);
export const admittancePolicyEnum = pgEnum('admittance_policy', ADMITTANCE_POLICIES);
export const authTypeEnum = pgEnum('auth_type', AUTH_TYPES);
export const epicEnvironmentEnum = pgEnum('epic_environment', EPIC_ENVIRONMENTS);
export const encryptionAlgorithmEnum = pgEnum('encryption_algorithm', ENCRYPTION_ALGORITHMS);
export const providerUserTypeEnum = pgEnum('provider_user_type', PROVIDER_USER_TYPES);
export const oauthClientAuthEnum = pgEnum('oauth_client_auth', OAUTH_CLIENT_AUTH_METHODS);
/** pending: being checked now (counts as a failure until it is known, so parallel guesses cannot slip through). */
export const signInOutcomeEnum = pgEnum('sign_in_outcome', ['pending', 'failed', 'succeeded', 'refused']);

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** owner: the first account (ownership can be handed over); manages admins and integrations, sees all. */
export const adminRoleEnum = pgEnum('admin_role', ['owner', 'admin']);

export const admins = pgTable('admins', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  /** Null for an account made by single sign-on: it has no password. */
  passwordHash: text('password_hash'),
  role: adminRoleEnum('role').notNull().default('admin'),
  /** The identity provider's issuer and subject this account signs in as (lib/admins/single-sign-on.ts). */
  oidcIssuer: text('oidc_issuer'),
  oidcSubject: text('oidc_subject'),
  createdBy: text('created_by'),
  createdAt: createdAt(),
  /** Two-step sign-in (lib/admins/two-step.ts): the TOTP secret, sealed; set once a first code confirmed it. */
  totpSecret: text('totp_secret'),
  /** A secret shown for enrolment and not yet confirmed by a code, sealed. */
  totpPendingSecret: text('totp_pending_secret'),
  /** The newest 30-second step a code was accepted for: a code is good once (RFC 6238 section 5.2). */
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
}, (table) => [uniqueIndex('admins_oidc_identity').on(table.oidcIssuer, table.oidcSubject)]);

/** One-time recovery codes of an admin's two-step sign-in, hashed; a used one keeps its row, marked. */
export const adminRecoveryCodes = pgTable(
  'admin_recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    adminId: uuid('admin_id').notNull().references(() => admins.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index('admin_recovery_codes_admin').on(table.adminId)],
);

/**
 * A signed-in admin's session. The cookie only names it: a session is valid while its row says so,
 * so signing out, removing the admin or the owner ending it takes effect on the next request, and
 * `expires_at` is fixed at sign-in (renewing the cookie never moves it).
 */
export const adminSessions = pgTable(
  'admin_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    adminId: uuid('admin_id').notNull().references(() => admins.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** Who or what ended it: "signed out", the owner's email, "password changed". */
    endedBy: text('ended_by'),
    userAgent: text('user_agent').notNull().default(''),
    address: text('address').notNull().default(''),
    /** How it signed in: "password" or "sso". */
    method: text('method').notNull().default('password'),
  },
  (table) => [index('admin_sessions_admin').on(table.adminId)],
);

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
    outcome: signInOutcomeEnum('outcome').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('sign_in_attempts_at').on(table.at),
    index('sign_in_attempts_email_at').on(table.email, table.at),
    index('sign_in_attempts_address_at').on(table.address, table.at),
    index('sign_in_attempts_email_address_at').on(table.email, table.address, table.at),
  ],
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
  /** What admins call it: the Epic organization or environment. */
  name: text('name').notNull().default('Primary'),
  encryptionKey: text('encryption_key').notNull().unique(),
  defaultHostEmail: text('default_host_email').notNull(),
  providerUserType: providerUserTypeEnum('provider_user_type').notNull(),
  encryptionAlgorithm: encryptionAlgorithmEnum('encryption_algorithm').notNull(),
  encryptionSecretSealed: text('encryption_secret_sealed').notNull(),
  epicEnvironment: epicEnvironmentEnum('epic_environment').notNull(),
  admittancePolicy: admittancePolicyEnum('admittance_policy').notNull(),
  authType: authTypeEnum('auth_type').notNull(),
  authName: text('auth_name'),
  authPasswordSealed: text('auth_password_sealed'),
  oauthClientIdTest: text('oauth_client_id_test'),
  oauthClientIdProduction: text('oauth_client_id_production'),
  oauthClientSecretSealed: text('oauth_client_secret_sealed'),
  /** How a confidential client proves itself at Epic's token endpoint (spec section 4). */
  oauthClientAuth: oauthClientAuthEnum('oauth_client_auth').notNull().default('client_secret_basic'),
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
  /** Meeting policies (per integration). Televisit never records. */
  screenSharePolicy: screenSharePolicyEnum('screen_share_policy').notNull().default('providers'),
  chatEnabled: boolean('chat_enabled').notNull().default(false),
  /** People connected to one of its visits at once; anyone past it is told the visit is full. */
  largestVisit: integer('largest_visit').notNull().default(PEER_TO_PEER_LARGEST_VISIT),
  /** A retired integration's links are refused; its records stay for their retention. */
  retiredAt: timestamp('retired_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (table) => [check('integrations_largest_visit', sql`${table.largestVisit} between 2 and 12`)]);

/** Which integrations an admin (not an owner) may see and change. */
export const adminIntegrations = pgTable(
  'admin_integrations',
  {
    adminId: uuid('admin_id').notNull().references(() => admins.id, { onDelete: 'cascade' }),
    integrationId: uuid('integration_id').notNull().references(() => integrations.id, { onDelete: 'cascade' }),
  },
  (table) => [primaryKey({ columns: [table.adminId, table.integrationId] })],
);

/**
 * A device in a patient's room (a tablet, a PC on a cart) that Epic monitor calls reach by its
 * name (the launch's RoomName). Paired once with a one-time code; then it keeps a long-lived device
 * credential, stored here only as a hash, which an admin can revoke (unpair).
 */
export const rooms = pgTable(
  'rooms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    integrationId: uuid('integration_id').notNull().references(() => integrations.id, { onDelete: 'cascade' }),
    /** What Epic sends as RoomName. */
    name: text('name').notNull(),
    location: text('location').notNull().default(''),
    /** SHA-256 of the one-time pairing code while the room waits to be paired. */
    pairingCodeHash: text('pairing_code_hash'),
    pairingCodeExpiresAt: timestamp('pairing_code_expires_at', { withTimezone: true }),
    /** SHA-256 of the paired device's credential; null when no device is paired. */
    deviceTokenHash: text('device_token_hash'),
    pairedAt: timestamp('paired_at', { withTimezone: true }),
    /** The device's open push stream, on which server: online while that server is alive. */
    connectionId: text('connection_id'),
    serverId: uuid('server_id'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('rooms_integration_name').on(table.integrationId, table.name), uniqueIndex('rooms_device_token').on(table.deviceTokenHash)],
);

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
export type AdminSession = typeof adminSessions.$inferSelect;

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
    userType: providerUserTypeEnum('user_type').notNull(),
    createdAt: createdAt(),
    lastLaunchAt: timestamp('last_launch_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('providers_integration_epic_user').on(table.integrationId, table.epicUserId),
    index('providers_integration_email').on(table.integrationId, table.email),
  ],
);

/**
 * A meeting of an Epic visit, found by integration and visit key (ConferenceID, else SessionID).
 * A visit has one open meeting at a time: concurrent launches converge on it (the launch function,
 * drizzle/0005). Once it ended it stays ended; a provider may start the visit again, which makes
 * the next generation, and patients' links then join that one (docs/visit-lifecycle.md).
 */
export const meetings = pgTable(
  'meetings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    integrationId: uuid('integration_id').notNull().references(() => integrations.id, { onDelete: 'cascade' }),
    visitKey: text('visit_key').notNull(),
    /** 1 for the visit's first meeting, one more for each meeting a provider started after it ended. */
    generation: integer('generation').notNull().default(1),
    sessionId: text('session_id'),
    conferenceId: text('conference_id'),
    /** waiting: no provider has joined yet; active: started; ended: over for everyone. */
    state: meetingStateEnum('state').notNull().default('waiting'),
    admittancePolicy: admittancePolicyEnum('admittance_policy').notNull(),
    defaultHostEmail: text('default_host_email').notNull(),
    hostProviderId: uuid('host_provider_id').references(() => providers.id, { onDelete: 'set null' }),
    /** The end of the latest launch link window seen for this meeting; null when a link never expires. */
    linksValidUntil: timestamp('links_valid_until', { withTimezone: true }),
    /** Since when nobody has been connected; null while someone is. The idle timer counts from it. */
    emptySince: timestamp('empty_since', { withTimezone: true }).defaultNow(),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** Why it ended: a provider, an admin, nobody there for the idle time, the links' window over. */
    endedBy: text('ended_by'),
  },
  (table) => [
    uniqueIndex('meetings_integration_visit_generation').on(table.integrationId, table.visitKey, table.generation),
    index('meetings_created_at').on(table.createdAt),
    // The sweep that ends visits by themselves looks only at meetings not ended.
    index('meetings_open').on(table.emptySince).where(sql`state <> 'ended'`),
    index('meetings_ended_at').on(table.endedAt).where(sql`state = 'ended'`),
    check('meetings_ended_by', sql`${table.endedBy} is null or ${table.endedBy} in ('provider', 'admin', 'idle', 'links_expired')`),
  ],
);

/** A person in a meeting. Patient rows are deleted when the visit ends (spec section 5). */
export const participants = pgTable(
  'participants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    meetingId: uuid('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    userType: userTypeEnum('user_type').notNull(),
    epicUserId: text('epic_user_id').notNull(),
    epicUserIdType: text('epic_user_id_type'),
    sessionId: text('session_id'),
    conferenceId: text('conference_id'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    providerId: uuid('provider_id').references(() => providers.id, { onDelete: 'set null' }),
    /** Admitted patients go straight in whenever a provider is there; removed ones stay out. */
    admission: admissionEnum('admission').notNull().default('waiting'),
    /** The open push stream that makes this participant connected; null when disconnected. */
    connectionId: text('connection_id'),
    /**
     * The page that stream belongs to (random per page load): a stream that reconnects keeps it, a
     * reload or another device makes a new one, and the others' video links follow (peer-mesh.ts).
     */
    pageId: text('page_id'),
    /** The app server holding that stream: connected only while that server is alive (appServers). */
    serverId: uuid('server_id'),
    /** What the others' tiles show: this person's microphone and camera, as their page last said. */
    micOn: boolean('mic_on').notNull().default(true),
    cameraOn: boolean('camera_on').notNull().default(true),
    /** Sharing a screen now (when the integration's policy allows this person). */
    sharing: boolean('sharing').notNull().default(false),
    /** The room device this participant is (UserType Room). */
    roomId: uuid('room_id').references(() => rooms.id, { onDelete: 'set null' }),
    /** For a room: when a provider's launch last called it; null once it hung up (lib/rooms/call.ts). */
    calledAt: timestamp('called_at', { withTimezone: true }),
    /** For a guest: the invitation they came in by, their role, and an interpreter's language. */
    inviteId: uuid('invite_id'),
    guestRole: guestRoleEnum('guest_role'),
    language: text('language'),
    connectedAt: timestamp('connected_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('participants_meeting_user').on(table.meetingId, table.userType, table.epicUserId),
    index('participants_connected_server').on(table.serverId).where(sql`connection_id is not null`),
  ],
);

/**
 * A provider's invitation from inside the call (lib/visit/guests.ts): a signed link that lets one
 * browser in as a guest, to wait until a provider admits them. Used once (the first browser holds
 * it), until the visit ends or a provider revokes it. The guest's name goes with the visit.
 */
export const guestInvites = pgTable(
  'guest_invites',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    meetingId: uuid('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    role: guestRoleEnum('role').notNull(),
    language: text('language'),
    invitedBy: uuid('invited_by').references(() => participants.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** The guest who opened it (the first browser holds it). */
    participantId: uuid('participant_id').references(() => participants.id, { onDelete: 'set null' }),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [index('guest_invites_meeting').on(table.meetingId, table.createdAt)],
);

/**
 * Each running app server. It refreshes its row every few seconds, one write for all its streams;
 * when a server stops refreshing (it died), its participants are disconnected by the others (or by
 * itself when it starts again), so Epic's green light does not stay on.
 */
export const appServers = pgTable('app_servers', {
  id: uuid('id').primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
});

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
    userType: userTypeEnum('user_type').notNull(),
    status: connectionStatusEnum('status').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('participant_events_meeting').on(table.meetingId, table.id), index('participant_events_at').on(table.at)],
);

/**
 * The in-visit chat (when the integration allows it): through the app, shown only to the people
 * in the call when each message was sent, deleted with the visit. The sender's name is copied: it goes with the visit too.
 */
export const chatMessages = pgTable(
  'chat_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    meetingId: uuid('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    participantId: uuid('participant_id').references(() => participants.id, { onDelete: 'set null' }),
    senderName: text('sender_name').notNull(),
    senderType: userTypeEnum('sender_type').notNull(),
    body: text('body').notNull(),
    /**
     * Who was in the call when it was sent: the only people who ever see it. Someone admitted
     * later, let back in after a removal, or still waiting does not read what was said before.
     */
    audience: uuid('audience').array().notNull().default(sql`'{}'::uuid[]`),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('chat_messages_meeting').on(table.meetingId, table.id)],
);

/** WebRTC offers, answers and candidates on their way between two browsers. */
export const signals = pgTable(
  'signals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    meetingId: uuid('meeting_id').notNull().references(() => meetings.id, { onDelete: 'cascade' }),
    fromConnection: text('from_connection').notNull(),
    /** The sender, so a link survives either side's reconnect (links are per pair of people). */
    fromParticipant: uuid('from_participant'),
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
    /** ok, or why the launch was refused (lib/epic/launch-token.ts, lib/epic/oauth.ts): a short code. */
    outcome: text('outcome').notNull(),
    /** Null when the key named no integration: such rows are shown to owners only. */
    integrationId: uuid('integration_id').references(() => integrations.id, { onDelete: 'set null' }),
    detail: text('detail'),
    sessionId: text('session_id'),
    epicUserId: text('epic_user_id'),
    userType: userTypeEnum('user_type'),
    meetingId: uuid('meeting_id'),
  },
  (table) => [index('launch_log_at').on(table.at), check('launch_log_outcome_code', sql`${table.outcome} ~ '^[a-z][a-z0-9_]{0,63}$'`)],
);

export type Meeting = typeof meetings.$inferSelect;
export type Participant = typeof participants.$inferSelect;
export type GuestInvite = typeof guestInvites.$inferSelect;
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
    kind: notificationKindEnum('kind').notNull(),
    participantEventId: bigint('participant_event_id', { mode: 'number' }).unique(),
    meetingId: uuid('meeting_id'),
    sessionId: text('session_id'),
    epicUserId: text('epic_user_id'),
    userType: userTypeEnum('user_type'),
    /** Connected / Disconnected, or Passed / Failed for a device test. */
    status: text('status').notNull(),
    /** A test call an admin sent from the settings page (a test SessionID and ExternalID). */
    isTest: boolean('is_test').notNull().default(false),
    orderingKey: text('ordering_key').notNull(),
    body: jsonb('body').$type<Record<string, unknown>>().notNull(),
    state: notificationStateEnum('state').notNull().default('pending'),
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
    // The Notification Records "only failures" filter: not delivered, or delivered after failures.
    index('notifications_troubled').on(table.seq).where(sql`state <> 'delivered' or attempts > 1`),
    check(
      'notifications_status_fits_kind',
      sql`(${table.kind} = 'connection_status' and ${table.status} in ('Connected', 'Disconnected')) or (${table.kind} = 'device_test' and ${table.status} in ('Passed', 'Failed'))`,
    ),
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

/**
 * OAuth access tokens obtained at launch, used as the Bearer for that participant's notifications
 * only (spec section 4). With a refresh token (granted for online_access) the worker renews the
 * access token at the token endpoint it came from.
 */
export const epicAccessTokens = pgTable('epic_access_tokens', {
  orderingKey: text('ordering_key').primaryKey(),
  accessTokenSealed: text('access_token_sealed').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  refreshTokenSealed: text('refresh_token_sealed'),
  integrationId: uuid('integration_id').references(() => integrations.id, { onDelete: 'cascade' }),
  tokenEndpoint: text('token_endpoint'),
  issuer: text('issuer'),
  clientId: text('client_id'),
  createdAt: createdAt(),
});

/** A launch waiting for Epic's OAuth callback: the state, the PKCE verifier and the launch itself, sealed. */
export const oauthLaunches = pgTable('oauth_launches', {
  state: text('state').primaryKey(),
  integrationId: uuid('integration_id').notNull().references(() => integrations.id, { onDelete: 'cascade' }),
  issuer: text('issuer').notNull(),
  tokenEndpoint: text('token_endpoint').notNull(),
  pendingSealed: text('pending_sealed').notNull(),
  /** The state cookie of the browser that started it (stateBinding): a refused callback names its launch. */
  binding: text('binding'),
  /** When its callback finished it: a second use of the same callback is told "already used". */
  usedAt: timestamp('used_at', { withTimezone: true }),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  createdAt: createdAt(),
});

export type Notification = typeof notifications.$inferSelect;

/**
 * Settings of the whole server, not of one integration (one row): when an abandoned visit ends by
 * itself, and how long each kind of record is kept (lib/server-settings/schema.ts).
 */
export const serverSettings = pgTable(
  'server_settings',
  {
    id: integer('id').primaryKey().default(1),
    idleMinutes: integer('idle_minutes').notNull().default(15),
    launchLogDays: integer('launch_log_days').notNull().default(30),
    notificationDays: integer('notification_days').notNull().default(90),
    participantEventDays: integer('participant_event_days').notNull().default(90),
    endedMeetingDays: integer('ended_meeting_days').notNull().default(90),
    signInAttemptDays: integer('sign_in_attempt_days').notNull().default(30),
    auditDays: integer('audit_days').notNull().default(730),
    /** Every password account must sign in with a second step (lib/admins/two-step.ts). */
    requireTwoStep: boolean('require_two_step').notNull().default(false),
    /** When a server last took its turn to purge (lib/retention/purge.ts). */
    lastPurgeAt: timestamp('last_purge_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [check('server_settings_one_row', sql`${table.id} = 1`)],
);

export type ServerSettings = typeof serverSettings.$inferSelect;
