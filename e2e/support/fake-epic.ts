import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for Epic: a real HTTP server on 127.0.0.1 that records every call it receives and can
// be told to fail, be slow, or refuse. It also plays Epic's SMART on FHIR authorization server.

export interface ReceivedCall {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown> | null;
  at: number;
  answeredWith: number;
}

export interface FakeEpic {
  url: string;
  fhirBase: string;
  calls: ReceivedCall[];
  /** Answer the next `times` notification calls with `status` (then 200 again). */
  failNext(status: number, times: number, headers?: Record<string, string>): void;
  /** Answer every notification call with `status` until told otherwise. */
  answerWith(status: number): void;
  delayMs: number;
  /** Notification calls that arrived and have not been answered yet. */
  inFlight: number;
  /** Launch codes Epic handed out; each works once. */
  issueLaunchCode(): string;
  tokensIssued: string[];
  authorizeRequests: URLSearchParams[];
  tokenRequests: URLSearchParams[];
  /** The Authorization header of each token request (client_secret_basic puts the client there). */
  tokenAuthorizations: Array<string | undefined>;
  smartConfiguration: boolean;
  /** What the token endpoint grants: lifetime, and whether a refresh token comes with it. */
  tokenLifetimeSeconds: number;
  issueRefreshTokens: boolean;
  /** A confidential client's secret: token requests must prove it (Basic, or in the body). */
  clientSecret: string | null;
  /**
   * How the Basic header is read: `raw` compares base64 of the plain `id:secret`, as Epic's
   * documentation shows and smart-launcher-v2 does (a form-encoded `televisit%2Dtest` is another
   * client there); `form` decodes each part first (RFC 6749 2.3.1).
   */
  basicAuthDecoding: 'raw' | 'form';
  /** An id_token to put in refresh answers: smart-launcher's has no `aud`, which a client cannot validate. */
  refreshIdToken: string | null;
  /** When set, notification calls without exactly this Authorization header are answered 401, as Epic does. */
  requiredAuthorization: string | null;
  /** How far Epic's clock (the Date of its answers) is from ours. */
  clockOffsetMs: number;
  close(): Promise<void>;
}

export async function startFakeEpic(): Promise<FakeEpic> {
  const failures: Array<{ status: number; headers: Record<string, string> }> = [];
  let standing = 200;
  const launchCodes = new Set<string>();
  const codes = new Map<string, { challenge: string; clientId: string; redirectUri: string }>();
  const refreshTokens = new Map<string, string>();

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(request.url ?? '/', fake.url);
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        const date = fake.clockOffsetMs ? { Date: new Date(Date.now() + fake.clockOffsetMs).toUTCString() } : {};
        response.writeHead(status, { 'Content-Type': 'application/json', ...date, ...headers });
        response.end(JSON.stringify(payload));
      };

      if (url.pathname === '/api/FHIR/R4/.well-known/smart-configuration') {
        if (!fake.smartConfiguration) return send(404, { error: 'not here' });
        return send(200, {
          authorization_endpoint: `${fake.url}/oauth2/authorize`,
          token_endpoint: `${fake.url}/oauth2/token`,
          code_challenge_methods_supported: ['S256'],
          capabilities: ['launch-ehr', 'client-public', 'client-confidential-symmetric', 'context-ehr-patient', 'sso-openid-connect'],
        });
      }
      if (url.pathname === '/api/FHIR/R4/metadata') {
        return send(200, {
          resourceType: 'CapabilityStatement',
          rest: [{ security: { extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [
            { url: 'authorize', valueUri: `${fake.url}/oauth2/authorize` },
            { url: 'token', valueUri: `${fake.url}/oauth2/token` },
          ] }] } }],
        });
      }
      if (url.pathname === '/oauth2/authorize') {
        fake.authorizeRequests.push(url.searchParams);
        const launch = url.searchParams.get('launch') ?? '';
        const redirect = new URL(url.searchParams.get('redirect_uri') ?? '');
        redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
        if (!launchCodes.delete(launch)) {
          redirect.searchParams.set('error', 'invalid_request');
          redirect.searchParams.set('error_description', 'launch code not valid');
        } else {
          const code = randomBytes(12).toString('hex');
          codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', clientId: url.searchParams.get('client_id') ?? '', redirectUri: redirect.origin + redirect.pathname });
          redirect.searchParams.set('code', code);
        }
        response.writeHead(302, { Location: redirect.toString() });
        return response.end();
      }
      if (url.pathname === '/oauth2/token') {
        const form = new URLSearchParams(body);
        fake.tokenRequests.push(form);
        fake.tokenAuthorizations.push(request.headers.authorization);
        const client = clientOf(request.headers.authorization, form, fake.basicAuthDecoding);
        if (fake.clientSecret !== null && client.secret !== fake.clientSecret) return send(401, { error: 'invalid_client' });
        const issue = (idToken?: string) => {
          const token = `epic-token-${randomBytes(8).toString('hex')}`;
          fake.tokensIssued.push(token);
          const refresh = fake.issueRefreshTokens ? `epic-refresh-${randomBytes(8).toString('hex')}` : undefined;
          if (refresh) refreshTokens.set(refresh, client.id ?? '');
          return send(200, { access_token: token, token_type: 'Bearer', expires_in: fake.tokenLifetimeSeconds, scope: 'launch openid fhirUser online_access', refresh_token: refresh, ...(idToken ? { id_token: idToken } : {}) });
        };
        if (form.get('grant_type') === 'refresh_token') {
          const owner = refreshTokens.get(form.get('refresh_token') ?? '');
          return owner !== undefined && owner === client.id ? issue(fake.refreshIdToken ?? undefined) : send(400, { error: 'invalid_grant' });
        }
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifierOk = grant && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') === grant.challenge;
        if (!grant || !verifierOk || client.id !== grant.clientId || form.get('redirect_uri') !== grant.redirectUri) {
          return send(400, { error: 'invalid_grant' });
        }
        return issue();
      }

      const failure = failures.shift();
      const unauthorized = fake.requiredAuthorization !== null && request.headers.authorization !== fake.requiredAuthorization;
      const status = unauthorized ? 401 : (failure?.status ?? standing);
      fake.inFlight++;
      const reply = () => {
        fake.inFlight--;
        let json: Record<string, unknown> | null = null;
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          json = null;
        }
        fake.calls.push({ path: url.pathname, headers: request.headers, body, json, at: Date.now(), answeredWith: status });
        send(status, status < 300 ? { ok: true } : { error: `fake Epic answered ${status}` }, failure?.headers);
      };
      if (fake.delayMs > 0) setTimeout(reply, fake.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeEpic = {
    url: `http://127.0.0.1:${port}`,
    fhirBase: `http://127.0.0.1:${port}/api/FHIR/R4`,
    calls: [],
    delayMs: 0,
    inFlight: 0,
    tokensIssued: [],
    authorizeRequests: [],
    tokenRequests: [],
    tokenAuthorizations: [],
    smartConfiguration: true,
    tokenLifetimeSeconds: 3600,
    issueRefreshTokens: false,
    clientSecret: null,
    basicAuthDecoding: 'raw',
    refreshIdToken: null,
    requiredAuthorization: null,
    clockOffsetMs: 0,
    failNext(status, times, headers = {}) {
      for (let index = 0; index < times; index++) failures.push({ status, headers });
    },
    answerWith(status) {
      standing = status;
    },
    issueLaunchCode() {
      const code = `launch-${randomBytes(6).toString('hex')}`;
      launchCodes.add(code);
      return code;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** The client of a token request: HTTP Basic (raw, or each part form-encoded) or the body. */
function clientOf(authorization: string | undefined, form: URLSearchParams, decoding: 'raw' | 'form'): { id: string | null; secret: string | null } {
  if (authorization?.startsWith('Basic ')) {
    const plain = Buffer.from(authorization.slice(6), 'base64').toString();
    const colon = plain.indexOf(':');
    const [id, secret] = colon < 0 ? [plain, ''] : [plain.slice(0, colon), plain.slice(colon + 1)];
    const read = (part: string) => (decoding === 'form' ? decodeURIComponent(part.replace(/\+/g, ' ')) : part);
    return { id: read(id), secret: read(secret) };
  }
  return { id: form.get('client_id'), secret: form.get('client_secret') };
}
