import { BlockList, isIP } from 'node:net';

// The address a request came from, for sign-in throttling and rate limits. The socket's own
// address arrives from scripts/server.mjs in `x-televisit-peer` (a client cannot set it). An
// X-Forwarded-For entry is believed only when it was added by a proxy named in TRUSTED_PROXIES:
// walking the header from the right, the first address that is not a trusted proxy is the client.
// Without trusted proxies a client's own X-Forwarded-For changes nothing.

export const PEER_HEADER = 'x-televisit-peer';

/** TRUSTED_PROXIES: comma-separated addresses or CIDR ranges, IPv4 or IPv6. Throws on a bad entry. */
export function parseTrustedProxies(value: string): BlockList {
  const list = new BlockList();
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    if (!family || rest.length) throw new Error(`"${entry}" is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address!, type);
    else {
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new Error(`"${entry}" has a bad prefix length`);
      list.addSubnet(address!, prefix, type);
    }
  }
  return list;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

/** The client's address, as far as the socket and the trusted proxies vouch for it. */
export function clientAddress(headers: HeaderSource, trusted: BlockList): string {
  const peer = normalize(header(headers, PEER_HEADER));
  if (!peer) return 'unknown';
  if (!isTrusted(peer, trusted)) return peer;
  const forwarded = header(headers, 'x-forwarded-for')
    .split(',')
    .map((entry) => normalize(entry))
    .filter(Boolean);
  for (let index = forwarded.length - 1; index >= 0; index--) {
    const hop = forwarded[index]!;
    if (!isIP(hop)) return 'unknown';
    if (!isTrusted(hop, trusted)) return hop;
  }
  return forwarded[0] ?? peer;
}

/**
 * A log line's worth when the proxy setting looks wrong: a request relayed (it has X-Forwarded-For)
 * by a machine on a private network that TRUSTED_PROXIES does not name. Every client behind that
 * proxy then looks like the proxy, so one address's sign-in limit would hold them all. A public
 * peer with the header is a client setting it itself, which is no sign of a proxy.
 */
export function proxyWarning(headers: HeaderSource, trusted: BlockList): string | null {
  const peer = normalize(header(headers, PEER_HEADER));
  if (!peer || !header(headers, 'x-forwarded-for') || isTrusted(peer, trusted) || !isTrusted(peer, PRIVATE_NETWORKS)) return null;
  return (
    `Requests arrive through ${peer} with X-Forwarded-For, but TRUSTED_PROXIES does not include ${peer}: ` +
    `the header is ignored and every client behind it counts as ${peer} (one address for sign-in limits). ` +
    `If ${peer} is your reverse proxy, add it to TRUSTED_PROXIES.`
  );
}

const PRIVATE_NETWORKS = parseTrustedProxies('10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,169.254.0.0/16,100.64.0.0/10,::1/128,fc00::/7,fe80::/10');

/** Whether a socket's peer address is one of the trusted proxies. */
export function isTrustedPeer(address: string | undefined, trusted: BlockList): boolean {
  return isTrusted(normalize(address), trusted);
}

function isTrusted(address: string, trusted: BlockList): boolean {
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** IPv4 seen through an IPv6 socket (::ffff:10.0.0.1) is the IPv4 address; brackets and ports go. */
function normalize(value: string | undefined): string {
  let address = (value ?? '').trim();
  if (address.startsWith('[')) address = address.slice(1, address.indexOf(']'));
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(address)) address = address.split(':')[0]!;
  if (address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7);
  return address.slice(0, 64);
}

function header(headers: HeaderSource, name: string): string {
  if (headers instanceof Headers) return headers.get(name) ?? '';
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : value) ?? '';
}
