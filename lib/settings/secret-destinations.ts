import type { SecretField } from '@/lib/settings/schema';

// A stored secret goes only where the owner sent it: the Basic Auth password to the hosts of the
// Epic endpoints saved with it, the OAuth client secret to the issuers allowed with it. An admin of
// the integration who points an endpoint or an issuer at a new host would otherwise have the
// server hand that host the secret (the password with every notification; the client secret at
// the new issuer's token endpoint). So a save that adds a host clears the secret going there,
// unless the same save enters it again: whoever types it knows it already.

export interface SecretDestinations {
  connectionStatusUrl: string | null;
  deviceTestUrl: string | null;
  oauthIssuersTest: string[];
  oauthIssuersProduction: string[];
}

/** The stored secrets that the change from `before` to `after` would send to a host they never went to. */
export function secretsVoidedBy(before: SecretDestinations, after: SecretDestinations): SecretField[] {
  const voided: SecretField[] = [];
  const endpointHosts = (side: SecretDestinations) => hostsOf([side.connectionStatusUrl, side.deviceTestUrl]);
  const issuerHosts = (side: SecretDestinations) => hostsOf([...side.oauthIssuersTest, ...side.oauthIssuersProduction]);
  if (addsHost(endpointHosts(before), endpointHosts(after))) voided.push('authPassword');
  if (addsHost(issuerHosts(before), issuerHosts(after))) voided.push('oauthClientSecret');
  return voided;
}

/** Words for the page: what a voided secret means for the admin. */
export const VOIDED_SECRET_MESSAGES: Record<'authPassword' | 'oauthClientSecret', string> = {
  authPassword: 'An Epic endpoint now points at a new host, so the stored Auth Password was removed: it is never sent to a host it was not saved for. Enter it again in the same save to keep it.',
  oauthClientSecret: 'An allowed Epic FHIR base URL is on a new host, so the stored OAuth client secret was removed: it is never sent to an issuer it was not saved for. Enter it again in the same save to keep it.',
};

function addsHost(before: Set<string>, after: Set<string>): boolean {
  for (const host of after) if (!before.has(host)) return true;
  return false;
}

/** Scheme, host and port: http and https of one name are different destinations. */
function hostsOf(urls: Array<string | null>): Set<string> {
  const hosts = new Set<string>();
  for (const value of urls) {
    if (!value) continue;
    try {
      const url = new URL(value);
      hosts.add(`${url.protocol}//${url.host}`.toLowerCase());
    } catch {
      hosts.add(value);
    }
  }
  return hosts;
}
