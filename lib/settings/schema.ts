import { z } from 'zod';
import { LINK_VALIDITY_MAX_MINUTES } from '@/lib/epic/launch-limits';
import { MEDIA_SERVER_LARGEST_VISIT, PEER_TO_PEER_LARGEST_VISIT, SMALLEST_VISIT } from '@/lib/visit/schema';

// The Epic integration settings: one schema for the browser form and the server action.
// Labels follow Zoom's Epic integration page so an Epic analyst recognises every field.

export const LAUNCH_TEXT_MAX = 256;
export const LOGO_MAX_BYTES = 2 * 1024 * 1024;
export const LOGO_MAX_WIDTH = 800;
export const LOGO_MAX_HEIGHT = 600;
export const URL_MAX = 2048;
/** What an Encryption Key may be: it travels in every launch link (key=…), so it is URL-safe. */
export const ENCRYPTION_KEY_PATTERN = /^[A-Za-z0-9_-]{8,100}$/;

export const PROVIDER_USER_TYPES = ['Basic', 'Licensed'] as const;
export const ENCRYPTION_ALGORITHMS = ['AES-256-CBC', 'AES-128-CBC'] as const;
export const EPIC_ENVIRONMENTS = ['Test', 'Production'] as const;
export const ADMITTANCE_POLICIES = ['automatic', 'manual'] as const;
export const AUTH_TYPES = ['none', 'basic', 'oauth'] as const;
/** Who may share a screen in a visit. */
export const SCREEN_SHARE_POLICIES = ['nobody', 'providers', 'everyone'] as const;
export type ScreenSharePolicy = (typeof SCREEN_SHARE_POLICIES)[number];
export const SCREEN_SHARE_LABELS: Record<ScreenSharePolicy, string> = {
  nobody: 'Nobody',
  providers: 'Providers only',
  everyone: 'Everyone in the call',
};
/** Spec section 4: HTTP Basic by default (SMART's confidential-symmetric profile); POST where a server wants it. */
export const OAUTH_CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_basic_encoded'] as const;

export const ADMITTANCE_POLICY_LABELS: Record<(typeof ADMITTANCE_POLICIES)[number], string> = {
  automatic: 'Automatically enter the meeting when the provider joins',
  manual: 'Be manually admitted to the meeting by the provider',
};
export const AUTH_TYPE_LABELS: Record<(typeof AUTH_TYPES)[number], string> = {
  none: 'No Authorization',
  basic: 'Basic Authorization',
  oauth: 'OAuth',
};
export const OAUTH_CLIENT_AUTH_LABELS: Record<(typeof OAUTH_CLIENT_AUTH_METHODS)[number], string> = {
  client_secret_basic: 'HTTP Basic (client_secret_basic, SMART default)',
  client_secret_post: 'In the request body (client_secret_post)',
  client_secret_basic_encoded: 'HTTP Basic, ID and secret form-encoded first (RFC 6749 2.3.1)',
};

/** The settings form's labels, where the server names a field in words (the integration check). */
export const SETTINGS_FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  defaultHostEmail: 'Default Host User Email',
  providerUserType: 'Provider User Type',
  encryptionKey: 'Encryption Key',
  encryptionAlgorithm: 'Encryption Algorithm',
  encryptionSecret: 'Encryption Secret',
  epicEnvironment: 'Epic Environment',
  admittancePolicy: 'Patient admittance policy',
  authType: 'Authorization Type',
  oauthClientAuth: 'Send the client secret',
  authName: 'Auth Name',
  authPassword: 'Auth Password',
  oauthClientIdTest: 'OAuth Client ID (Test)',
  oauthClientIdProduction: 'OAuth Client ID (Production)',
  oauthClientSecret: 'OAuth Client Secret',
  removeOauthClientSecret: 'Remove the client secret',
  oauthIssuersTest: 'Allowed Epic FHIR base URLs (Test)',
  oauthIssuersProduction: 'Allowed Epic FHIR base URLs (Production)',
  epicClientId: 'Epic Client ID',
  vendorName: 'Vendor Name',
  connectionStatusUrl: 'Epic Connection Status Endpoint URL',
  deviceTestUrl: 'Epic Device Test Endpoint URL',
  deviceTestHelpUrl: 'Device Test Help Endpoint URL',
  epicTimeZone: 'Epic server time zone',
  defaultLinkValidityMinutes: 'Default link validity (minutes)',
  customText: 'Custom Text',
  logo: 'Custom Logo',
  screenSharePolicy: 'Screen sharing',
  chatEnabled: 'Chat',
  largestVisit: 'Largest visit',
};

/** Which secrets are already stored: an empty secret field then means "keep it". */
export interface StoredSecrets {
  encryptionSecret: boolean;
  authPassword: boolean;
  oauthClientSecret: boolean;
}

export const SECRET_FIELDS = ['encryptionSecret', 'authPassword', 'oauthClientSecret'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Characters as a person counts them (an emoji, even a family or a flag, is one), the same in the counter and the check. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count++;
  return count;
}

/** What the server knows that the form cannot check by itself. */
export interface SettingsContext {
  /** NEXTAUTH_URL is set: Epic can be given a redirect URI for OAuth. */
  publicUrlConfigured: boolean;
  /** JANUS_URL is set: visits may be larger than browsers can send to each other. */
  mediaServerConfigured?: boolean;
}

/** The most people the Largest visit field takes on this server. */
export function largestVisitAllowed(server: SettingsContext): number {
  return server.mediaServerConfigured ? MEDIA_SERVER_LARGEST_VISIT : PEER_TO_PEER_LARGEST_VISIT;
}

export function settingsSchema(stored: StoredSecrets, server: SettingsContext) {
  return z
    .object({
      name: z
        .string()
        .trim()
        .min(1, 'Name the integration, for example the Epic organization')
        .max(100, 'At most 100 characters')
        .regex(/^[^\p{Cc}]*$/u, 'No control characters'),
      defaultHostEmail: z.string().trim().min(1, 'Enter the default host email').pipe(z.email('Enter a valid email address')),
      providerUserType: z.enum(PROVIDER_USER_TYPES, 'Choose Basic or Licensed'),
      encryptionKey: z
        .string()
        .trim()
        .regex(ENCRYPTION_KEY_PATTERN, 'Use 8 to 100 letters, digits, - or _'),
      encryptionAlgorithm: z.enum(ENCRYPTION_ALGORITHMS, 'Choose an encryption algorithm'),
      encryptionSecret: z.string().trim().max(256, 'At most 256 characters'),
      epicEnvironment: z.enum(EPIC_ENVIRONMENTS, 'Choose Test or Production'),
      admittancePolicy: z.enum(ADMITTANCE_POLICIES, 'Choose an admittance policy'),
      authType: z.enum(AUTH_TYPES, 'Choose an authorization type'),
      oauthClientAuth: z.enum(OAUTH_CLIENT_AUTH_METHODS, 'Choose how the client secret is sent'),
      authName: z.string().trim().max(128, 'At most 128 characters'),
      authPassword: z.string().max(256, 'At most 256 characters'),
      oauthClientIdTest: z.string().trim().max(256, 'At most 256 characters'),
      oauthClientIdProduction: z.string().trim().max(256, 'At most 256 characters'),
      oauthClientSecret: z.string().max(512, 'At most 512 characters'),
      /** An empty secret field keeps the stored one: going back to a public client is this explicit choice. */
      removeOauthClientSecret: z.boolean().default(false),
      oauthIssuersTest: z.string().max(8192, 'Too long'),
      oauthIssuersProduction: z.string().max(8192, 'Too long'),
      epicClientId: z
        .string()
        .trim()
        .max(256, 'At most 256 characters')
        .regex(/^[\x21-\x7e]*$/, 'Use visible characters only, without spaces'),
      vendorName: z
        .string()
        .trim()
        .min(1, 'Enter the vendor name Epic knows you by')
        .max(100, 'At most 100 characters')
        .regex(/^[^\p{Cc}]*$/u, 'No control characters'),
      connectionStatusUrl: z.string().trim().max(URL_MAX, `At most ${URL_MAX} characters`),
      deviceTestUrl: z.string().trim().max(URL_MAX, `At most ${URL_MAX} characters`),
      deviceTestHelpUrl: z.string().trim().max(URL_MAX, `At most ${URL_MAX} characters`),
      epicTimeZone: z.string().trim().refine(isTimeZone, 'Enter an IANA time zone such as America/Chicago'),
      defaultLinkValidityMinutes: z
        .string()
        .trim()
        .regex(/^\d{1,6}$/, 'Enter whole minutes')
        .transform(Number)
        .pipe(z.number().max(LINK_VALIDITY_MAX_MINUTES, `At most ${LINK_VALIDITY_MAX_MINUTES} minutes (30 days)`)),
      customText: z
        .string()
        .refine((text) => characterCount(text) <= LAUNCH_TEXT_MAX, `At most ${LAUNCH_TEXT_MAX} characters`),
      screenSharePolicy: z.enum(SCREEN_SHARE_POLICIES, 'Choose who may share a screen'),
      chatEnabled: z.boolean(),
      largestVisit: z
        .string()
        .trim()
        .regex(/^\d{1,2}$/, 'Enter a number of people')
        .transform(Number)
        .pipe(
          z
            .number()
            .min(SMALLEST_VISIT, `At least ${SMALLEST_VISIT} people`)
            .max(
              largestVisitAllowed(server),
              server.mediaServerConfigured
                ? `At most ${MEDIA_SERVER_LARGEST_VISIT} people`
                : `At most ${PEER_TO_PEER_LARGEST_VISIT} people: video goes between the browsers, and a phone cannot send it to more. Larger visits need the media server (JANUS_URL)`,
            ),
        ),
    })
    .superRefine((settings, context) => {
      const problem = (field: keyof typeof settings, message: string) =>
        context.addIssue({ code: 'custom', path: [field], message });

      if (settings.encryptionSecret === '') {
        if (!stored.encryptionSecret) problem('encryptionSecret', 'Enter the encryption secret, or generate one');
      } else if (settings.encryptionAlgorithm === 'AES-256-CBC' && !isAes256Secret(settings.encryptionSecret)) {
        problem('encryptionSecret', 'For AES-256-CBC the secret must be base64 of exactly 32 bytes (44 characters ending in =)');
      }

      if (settings.authType === 'basic') {
        if (settings.authName === '') problem('authName', 'Enter the Epic user name, as emp$<user>');
        else if (settings.authName.includes(':')) problem('authName', 'A Basic Authorization user name cannot contain ":"');
        if (settings.authPassword === '' && !stored.authPassword) problem('authPassword', 'Enter the Epic user password');
      }

      if (settings.removeOauthClientSecret && settings.oauthClientSecret !== '') {
        problem('oauthClientSecret', 'Enter a new client secret or remove the stored one, not both');
      }

      if (settings.authType === 'oauth') {
        if (!server.publicUrlConfigured) {
          problem('authType', "OAuth needs this server's public address for Epic's redirect URI: set NEXTAUTH_URL (README, Production), restart, then choose OAuth");
        }
        const clientIdField = settings.epicEnvironment === 'Test' ? 'oauthClientIdTest' : 'oauthClientIdProduction';
        if (settings[clientIdField] === '') problem(clientIdField, `Enter the ${settings.epicEnvironment} client ID`);
        else if (/\s/.test(settings[clientIdField])) problem(clientIdField, 'A client ID has no spaces');
        const issuersField = settings.epicEnvironment === 'Test' ? 'oauthIssuersTest' : 'oauthIssuersProduction';
        if (issuerLines(settings[issuersField]).length === 0) {
          problem(issuersField, `List at least one ${settings.epicEnvironment} Epic FHIR base URL`);
        }
      }
      for (const field of ['oauthIssuersTest', 'oauthIssuersProduction'] as const) {
        const https = field === 'oauthIssuersProduction' || settings.epicEnvironment === 'Production';
        const bad = issuerLines(settings[field]).find((line) => urlProblem(line, https) !== null);
        if (bad !== undefined) problem(field, `${truncate(bad)}: ${urlProblem(bad, https)}`);
      }

      for (const field of ['connectionStatusUrl', 'deviceTestUrl', 'deviceTestHelpUrl'] as const) {
        if (settings[field] === '') continue;
        const message = urlProblem(settings[field], settings.epicEnvironment === 'Production');
        if (message) problem(field, message);
      }
    })
    .transform((settings) => ({
      ...settings,
      oauthIssuersTest: issuerLines(settings.oauthIssuersTest),
      oauthIssuersProduction: issuerLines(settings.oauthIssuersProduction),
    }));
}

export type SettingsSchema = ReturnType<typeof settingsSchema>;
export type SettingsFormValues = z.input<SettingsSchema>;
export type SettingsValues = z.output<SettingsSchema>;

/** What the logo upload must be before sharp looks at its content (lib/branding/logo.ts). */
export const logoFileSchema = z
  .instanceof(Blob, { message: 'Choose a PNG or JPEG file' })
  .refine((file) => file.size > 0, 'The logo file is empty')
  .refine((file) => file.size <= LOGO_MAX_BYTES, 'The logo must be at most 2 MB');

/** Under this, an AES-128 text secret is easy to guess. Epic accepts any text, so it is a warning, not a refusal. */
export const SHORT_SECRET_CHARACTERS = 16;

/** A warning for a weak but valid Encryption Secret; null when there is nothing to say. */
export function encryptionSecretWarning(algorithm: string, secret: string): string | null {
  if (algorithm !== 'AES-128-CBC' || secret === '' || secret.length >= SHORT_SECRET_CHARACTERS) return null;
  return `This secret has only ${secret.length} character${secret.length === 1 ? '' : 's'} and is easy to guess. Epic accepts it, but use at least ${SHORT_SECRET_CHARACTERS}, or AES-256-CBC with a generated secret.`;
}

export function isAes256Secret(secret: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(secret) && base64ByteLength(secret) === 32;
}

export function issuerLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim().replace(/\/+$/, ''))
    .filter((line) => line !== '');
}

/** Absolute http(s) URL, https only where Epic Production is concerned. Null when fine. */
export function urlProblem(value: string, httpsOnly: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter an absolute URL starting with https://';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Only http and https URLs are accepted';
  if (httpsOnly && url.protocol !== 'https:') return 'The Production environment accepts https URLs only';
  if (url.username || url.password) return 'Put credentials in the Authorization settings, not in the URL';
  return null;
}

function isTimeZone(zone: string): boolean {
  if (!zone.includes('/') && zone !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function base64ByteLength(text: string): number {
  return Math.floor((text.replace(/=+$/, '').length * 3) / 4);
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
