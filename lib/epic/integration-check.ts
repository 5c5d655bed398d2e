import type { Database } from '@/lib/db/client';
import type { Integration } from '@/lib/db/schema';
import { env } from '@/lib/env';
import { encryptLaunchData, FUTURE_TOLERANCE_MS, launchKeyFromSecret, LaunchTokenError, readLaunchToken } from '@/lib/epic/launch-token';
import type { EpicCallResult } from '@/lib/epic/notify';
import { sendTestCall, TEST_ID, type TestCallKind } from '@/lib/epic/test-notification';
import { outgoingPolicy, outgoingRequest, type OutgoingFailureKind } from '@/lib/http/outgoing';
import { allocateTurn } from '@/lib/http/turn-allocation';
import { turnCredentials } from '@/lib/visit/ice-servers';
import { SETTINGS_FIELD_LABELS, settingsSchema } from '@/lib/settings/schema';
import { formValues, launchReadOptions, openIntegrationSecret, storedSecrets } from '@/lib/settings/store';

// "Check this integration": every check that needs no patient, run against the saved settings with
// the integration's own limits (its timeout, and in Production no private addresses), each ending
// Passed, Failed or Skipped with the reason in plain words and what to do. The calls to Epic's
// endpoints are real test calls (TELEVISIT-TEST), recorded in Notification Records. The words here
// are explained check by check in docs/epic-analyst-guide.md (section 8).

export type CheckOutcome = 'Passed' | 'Failed' | 'Skipped';

export interface CheckResult {
  outcome: CheckOutcome;
  name: string;
  /** What was found: why it failed or was skipped, or what passed. */
  reason: string;
  /** What to do, when there is something to do. */
  fix?: string;
  /** The Notification Record of a test call. */
  notificationId?: string;
}

export interface CheckOptions {
  timeoutMs: number;
  /** A launch link Epic made, to see it decrypts with the saved secret. */
  launchLink?: string;
  /** Fields the page shows changed but not saved. */
  unsavedFields?: readonly string[];
  now?: Date;
}

/** Clocks further apart than this break links: half of what a link's Timestamp may lie ahead. */
export const CLOCK_SKEW_LIMIT_MS = FUTURE_TOLERANCE_MS / 2;

export async function checkIntegration(database: Database, integration: Integration, options: CheckOptions): Promise<CheckResult[]> {
  const now = options.now ?? new Date();
  const results: CheckResult[] = [savedValuesCheck(options.unsavedFields ?? []), ...contradictionChecks(integration), launchRoundTrip(integration, now)];
  results.push(epicLinkCheck(integration, options.launchLink ?? '', now));

  const calls: EpicCallResult[] = [];
  for (const kind of ['connection_status', 'device_test'] as const) {
    const call = await sendTestCall(database, integration, kind, options.timeoutMs, now);
    if (call) calls.push(call.result);
    results.push(endpointCheck(integration, kind, call));
  }
  results.push(clockCheck(calls));
  results.push(...(await oauthChecks(integration, options.timeoutMs)));
  results.push(...(await relayChecks(options.timeoutMs)));
  return results;
}

// --- The settings themselves --------------------------------------------------------------------

function savedValuesCheck(unsavedFields: readonly string[]): CheckResult {
  const name = 'Saved settings';
  if (unsavedFields.length === 0) return { outcome: 'Passed', name, reason: 'The page shows the saved settings, which this check used.' };
  return {
    outcome: 'Failed',
    name,
    reason: `This page shows unsaved changes (${unsavedFields.map(labelOf).join(', ')}); the check used the saved values, not these.`,
    fix: 'Save the settings, then check again.',
  };
}

/** The saved settings read again by the settings form's own rules, as they stand on this server now. */
function contradictionChecks(integration: Integration): CheckResult[] {
  const name = 'Settings agree with each other';
  const parsed = settingsSchema(storedSecrets(integration), { publicUrlConfigured: env().publicUrlConfigured, mediaServerConfigured: Boolean(env().JANUS_URL) }).safeParse(formValues(integration));
  if (parsed.success) return [{ outcome: 'Passed', name, reason: 'The saved settings pass every rule of the settings form on this server.' }];
  return parsed.error.issues.map((issue) => ({
    outcome: 'Failed' as const,
    name,
    reason: `${labelOf(String(issue.path[0] ?? 'settings'))}: ${issue.message}.`,
    fix: 'Correct it on this page and save.',
  }));
}

function labelOf(field: string): string {
  return SETTINGS_FIELD_LABELS[field] ?? field;
}

// --- Launch links -------------------------------------------------------------------------------

/** A link made with the saved key and secret goes through the launch's own reading (nothing stored). */
function launchRoundTrip(integration: Integration, now: Date): CheckResult {
  const name = 'Launch link round trip';
  const options = launchReadOptions(integration, now);
  let data: string;
  try {
    const plaintext = new URLSearchParams({ SessionID: TEST_ID, UserType: 'Provider', ExternalID: 'TELEVISITCHECK', Timestamp: String(Math.floor(now.getTime() / 1000)) }).toString();
    data = encryptLaunchData(plaintext, launchKeyFromSecret(options.secret, options.algorithm), options.algorithm);
  } catch {
    return {
      outcome: 'Failed',
      name,
      reason: `The saved Encryption Secret cannot be used with ${integration.encryptionAlgorithm}.`,
      fix: 'Enter the Encryption Secret from Epic\'s FDI record (AES-256-CBC: base64 of 32 bytes) and save.',
    };
  }
  try {
    const token = readLaunchToken(data, options);
    return { outcome: 'Passed', name, reason: `A link made with the saved key and secret opens (${integration.encryptionAlgorithm}; ${token.expiresAt ? `valid ${token.linkValidityMinutes} minutes by default` : 'links never expire by default'}).` };
  } catch (error) {
    return { outcome: 'Failed', name, reason: `Our own link was refused: ${error instanceof Error ? error.message : 'unknown error'}.`, fix: 'Check the Epic server time zone and the default link validity, and save.' };
  }
}

/** A link Epic made (pasted by the analyst): does it decrypt with what is saved here? */
function epicLinkCheck(integration: Integration, link: string, now: Date): CheckResult {
  const name = "Epic's launch link";
  if (link === '') return { outcome: 'Skipped', name, reason: 'No link was pasted.', fix: 'Paste a launch link Epic opened (from MyChart or Hyperspace) to see it decrypts with the saved secret.' };
  const url = new URL(link);
  const key = url.searchParams.get('key') ?? '';
  if (key !== integration.encryptionKey) {
    return {
      outcome: 'Failed',
      name,
      reason: `The link's key is "${key.slice(0, 100)}", and this integration's Encryption Key is "${integration.encryptionKey}".`,
      fix: "The FDI record's key= must be this integration's Encryption Key, or the link belongs to another integration.",
    };
  }
  try {
    const token = readLaunchToken(url.searchParams.get('data') ?? '', launchReadOptions(integration, now));
    return { outcome: 'Passed', name, reason: `It decrypts with the saved secret: a ${token.userType} link for SessionID ${token.meetingKey}.` };
  } catch (error) {
    if (!(error instanceof LaunchTokenError)) {
      return { outcome: 'Failed', name, reason: `The saved Encryption Secret cannot be used with ${integration.encryptionAlgorithm}.`, fix: "Enter the Encryption Secret from Epic's FDI record and save." };
    }
    if (error.kind === 'expired' || error.kind === 'not_yet_valid') {
      // It decrypted and parsed: the secret is right; only its time is out.
      return { outcome: 'Passed', name, reason: `It decrypts with the saved secret (SessionID ${error.sessionId ?? 'unknown'}); as a launch it would be refused now: ${error.message}.` };
    }
    if (error.kind === 'decrypt_failed' || error.kind === 'bad_encoding') {
      return {
        outcome: 'Failed',
        name,
        reason: `It does not decrypt with the saved Encryption Secret and ${integration.encryptionAlgorithm} (${error.message}).`,
        fix: "The secret or the algorithm differs from Epic's FDI record: copy the secret from Epic (or this page's new one into Epic) so both hold the same, and save.",
      };
    }
    return { outcome: 'Failed', name, reason: `It decrypts, but its fields are refused: ${error.message}.`, fix: "Compare the FDI record's fields with docs/epic-contract.md, section 1." };
  }
}

// --- Epic's endpoints ---------------------------------------------------------------------------

const ENDPOINT_NAMES: Record<TestCallKind, string> = { connection_status: 'Connection Status endpoint', device_test: 'Device Test endpoint' };

function endpointCheck(integration: Integration, kind: TestCallKind, call: { url: string; notificationId: string; result: EpicCallResult } | null): CheckResult {
  const name = ENDPOINT_NAMES[kind];
  if (!call) {
    return kind === 'connection_status'
      ? { outcome: 'Failed', name, reason: 'No Epic Connection Status Endpoint URL is saved: Epic hears nothing of joins and leaves (no green light).', fix: "Enter the URL from Epic's web service record and save." }
      : { outcome: 'Skipped', name, reason: 'No Epic Device Test Endpoint URL is saved: device test results are not sent.', fix: 'Enter it if your Epic build uses device tests.' };
  }
  const { result, url, notificationId } = call;
  const at = hostOf(url);
  if (result.respCode === 0) {
    const { reason, fix } = failureWords(result.failureKind, at, result.error ?? 'no answer');
    return { outcome: 'Failed', name, reason, fix, notificationId };
  }
  const status = `HTTP ${result.respCode}`;
  if (result.respCode >= 200 && result.respCode < 300) {
    const tls = url.startsWith('https://') ? ', over valid TLS' : '';
    return { outcome: 'Passed', name, reason: `${at} answered ${status} in ${result.durationMs} ms${tls}, with the saved authorization.`, notificationId };
  }
  if (result.respCode === 401 || result.respCode === 403) {
    if (integration.authType === 'oauth') {
      // Spec section 4: with OAuth each launch brings its own token; a test has none to send.
      return { outcome: 'Passed', name, reason: `${at} answers (${status}: it asks for the token each launch brings; a test call has none, by design).`, notificationId };
    }
    const fix =
      integration.authType === 'basic'
        ? "Enter the Auth Name and Auth Password again, exactly as in Epic's web service record, and save."
        : "Epic asks for authorization: choose the Authorization Type Epic's team set up (Basic or OAuth) and save.";
    return { outcome: 'Failed', name, reason: `${at} refused the authorization (${status}).`, fix, notificationId };
  }
  if (result.respCode === 404) return { outcome: 'Failed', name, reason: `${at} has nothing at this path (${status}).`, fix: "Check the URL's path against Epic's web service record.", notificationId };
  if (result.respCode >= 300 && result.respCode < 400) {
    return { outcome: 'Failed', name, reason: `${at} answered with a redirect (${status}), which is never followed (credentials stay with the host they were saved for).`, fix: 'Enter the address the redirect points to.', notificationId };
  }
  if (result.respCode >= 500) return { outcome: 'Failed', name, reason: `${at} failed to handle the call (${status}).`, fix: "Try again in a few minutes; if it stays, give the Notification Record to Epic's team.", notificationId };
  return { outcome: 'Failed', name, reason: `${at} refused the call (${status}).`, fix: "Open the Notification Record and compare the request with Epic's web service record.", notificationId };
}

/** Why no HTTP answer came, and what to do about it. */
function failureWords(kind: OutgoingFailureKind | null, at: string, message: string): { reason: string; fix: string } {
  switch (kind) {
    case 'refused':
      return { reason: `${at} refused the connection: nothing listens at that port.`, fix: "Check the URL's host and port; if they are right, Epic's service there is down." };
    case 'timeout':
      return { reason: `${at} did not answer in time (${message}).`, fix: 'A firewall may drop the traffic, or the server is overloaded: ask your network team to let this server reach it.' };
    case 'dns':
      return { reason: `The name ${at} does not resolve from this server.`, fix: "Check the host's spelling; from inside the hospital network it may need the internal DNS name." };
    case 'tls':
      return { reason: `TLS with ${at} failed: ${message}.`, fix: "Its certificate is not valid for this name or not trusted here: use the name on Epic's certificate, or add the hospital's CA (NODE_EXTRA_CA_CERTS)." };
    case 'blocked':
      return { reason: `${at} is a private address, which a Production integration does not call.`, fix: 'For an on-premise Epic, add its address to OUTGOING_PRIVATE_ALLOWLIST on the server.' };
    default:
      return { reason: `No answer from ${at}: ${message}.`, fix: 'Check the URL, then the network between this server and Epic.' };
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 100);
  }
}

/** Our clock against the Date of Epic's answers: launch links carry Epic's time. */
function clockCheck(calls: EpicCallResult[]): CheckResult {
  const name = 'Clock';
  const answered = calls.find((call) => call.answeredAt !== null);
  if (!answered?.answeredAt) return { outcome: 'Skipped', name, reason: "No endpoint answered with a Date, so there is no Epic clock to compare with." };
  // The Date was stamped while the call was under way: compare with the call's middle.
  const skewMs = Date.now() - answered.durationMs / 2 - answered.answeredAt.getTime();
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  if (Math.abs(skewMs) <= CLOCK_SKEW_LIMIT_MS) return { outcome: 'Passed', name, reason: `This server's clock is within ${Math.max(seconds, 1)} s of Epic's.` };
  const minutes = Math.round(seconds / 60);
  return {
    outcome: 'Failed',
    name,
    reason: `This server's clock is ${minutes} minute${minutes === 1 ? '' : 's'} ${skewMs > 0 ? 'ahead of' : 'behind'} Epic's: launch links carry Epic's time, so they ${skewMs > 0 ? 'expire early' : 'are refused as not yet valid'}.`,
    fix: 'Keep this server on NTP (timedatectl set-ntp true), or ask Epic\'s team to check theirs.',
  };
}

// --- OAuth --------------------------------------------------------------------------------------

async function oauthChecks(integration: Integration, timeoutMs: number): Promise<CheckResult[]> {
  if (integration.authType !== 'oauth') return [{ outcome: 'Skipped', name: 'OAuth', reason: 'The Authorization Type is not OAuth.' }];
  const environment = integration.epicEnvironment;
  const clientId = environment === 'Production' ? integration.oauthClientIdProduction : integration.oauthClientIdTest;
  const results: CheckResult[] = [
    clientId
      ? { outcome: 'Passed', name: 'OAuth client ID', reason: `The ${environment} client ID is set (${clientId}).` }
      : { outcome: 'Failed', name: 'OAuth client ID', reason: `No ${environment} client ID is set.`, fix: `Enter the ${environment} client ID of Epic's app registration and save.` },
  ];
  const issuers = environment === 'Production' ? integration.oauthIssuersProduction : integration.oauthIssuersTest;
  if (issuers.length === 0) results.push({ outcome: 'Failed', name: 'OAuth issuers', reason: `No ${environment} Epic FHIR base URL is allowed.`, fix: 'List the FHIR base URL Epic sends as iss, and save.' });
  for (const issuer of issuers) results.push(await smartConfigurationCheck(integration, issuer, timeoutMs));
  return results;
}

async function smartConfigurationCheck(integration: Integration, issuer: string, timeoutMs: number): Promise<CheckResult> {
  const name = `OAuth issuer ${issuer}`;
  const url = `${issuer}/.well-known/smart-configuration`;
  const answer = await outgoingRequest({ url, headers: { Accept: 'application/json' }, timeoutMs, maxBytes: 32 * 1024, policy: outgoingPolicy(integration) });
  if (!answer.ok) return { outcome: 'Failed', name, ...failureWords(answer.kind, hostOf(url), answer.message) };
  if (answer.status !== 200) {
    return { outcome: 'Failed', name, reason: `${url} answered HTTP ${answer.status}: the issuer publishes no SMART configuration there.`, fix: 'Check the FHIR base URL (it ends in /api/FHIR/R4 at Epic); Epic publishes /.well-known/smart-configuration under it.' };
  }
  let configuration: Record<string, unknown>;
  try {
    configuration = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return { outcome: 'Failed', name, reason: `${url} did not answer JSON${answer.truncated ? ' (or answered more than 32 KB)' : ''}.`, fix: 'Check the FHIR base URL.' };
  }
  const missing: string[] = [];
  for (const endpoint of ['authorization_endpoint', 'token_endpoint']) {
    const value = configuration[endpoint];
    if (typeof value !== 'string' || (integration.epicEnvironment === 'Production' && !value.startsWith('https://'))) missing.push(`${endpoint}${integration.epicEnvironment === 'Production' ? ' (https)' : ''}`);
  }
  const capabilities = Array.isArray(configuration.capabilities) ? configuration.capabilities : [];
  if (!capabilities.includes('launch-ehr')) missing.push('the capability launch-ehr');
  if (openIntegrationSecret(integration, 'oauthClientSecret') && !capabilities.includes('client-confidential-symmetric')) missing.push('the capability client-confidential-symmetric (a client secret is saved)');
  const methods = Array.isArray(configuration.code_challenge_methods_supported) ? configuration.code_challenge_methods_supported : [];
  if (!methods.includes('S256')) missing.push('PKCE S256 (code_challenge_methods_supported)');
  if (missing.length) return { outcome: 'Failed', name, reason: `Its SMART configuration lacks ${missing.join(', ')}.`, fix: "Ask Epic's team whether this is the right FHIR base URL for EHR launches." };
  return { outcome: 'Passed', name, reason: 'Its SMART configuration lists the authorization and token endpoints, launch-ehr and PKCE S256.' };
}

// --- The relay ----------------------------------------------------------------------------------

async function relayChecks(timeoutMs: number): Promise<CheckResult[]> {
  const { TURN_URLS: urls, TURN_SECRET: secret } = env();
  if (!urls.length || !secret) return [{ outcome: 'Skipped', name: 'Relay', reason: 'No TURN relay is configured (TURN_URLS): calls go directly, which some patient networks block.' }];
  const results: CheckResult[] = [];
  for (const url of urls) {
    const { username, credential } = turnCredentials(secret, 'integration-check', Math.floor(Date.now() / 1000) + 300);
    const allocation = await allocateTurn({ url, username, password: credential, timeoutMs: Math.min(timeoutMs, 5000) });
    results.push(
      allocation.ok
        ? { outcome: 'Passed', name: `Relay ${url}`, reason: `The relay gave an allocation (${allocation.relayedAddress}) for this server's credentials, in ${allocation.durationMs} ms.` }
        : { outcome: 'Failed', name: `Relay ${url}`, reason: `${allocation.reason}.`, fix: 'Start coturn (deploy/), check TURN_URLS and that TURN_SECRET is its static-auth-secret; patients need it reachable by UDP.' },
    );
  }
  return results;
}
