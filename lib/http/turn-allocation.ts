import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';

// One TURN allocation made from the server (RFC 8656 over STUN, RFC 8489), to show that the relay
// patients' browsers are given answers and accepts the credentials this server mints: Allocate
// without credentials (the relay answers 401 with its realm and nonce), Allocate again with the
// long-term credential, then Refresh with lifetime 0 so the relay frees what it gave at once.
// Only what that needs is encoded; the relay's address comes from the operator's TURN_URLS.

export type TurnAllocationResult =
  | { ok: true; relayedAddress: string; durationMs: number }
  | { ok: false; reason: string; durationMs: number };

export interface TurnAllocationRequest {
  /** One of TURN_URLS: turn:host[:port][?transport=udp|tcp] or turns:host[:port]. */
  url: string;
  username: string;
  password: string;
  timeoutMs: number;
}

export async function allocateTurn(request: TurnAllocationRequest): Promise<TurnAllocationResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = parseTurnUrl(request.url);
  if (!target) return { ok: false, reason: `${request.url} is not a turn: or turns: URL`, durationMs: 0 };
  let connection: StunConnection;
  try {
    connection = await openConnection(target, request.timeoutMs);
  } catch (error) {
    return { ok: false, reason: (error as Error).message, durationMs: elapsed() };
  }
  try {
    const deadline = Date.now() + request.timeoutMs;
    const first = await connection.exchange(stunMessage(ALLOCATE, [requestedTransport()]), deadline);
    if (first.type === ALLOCATE_SUCCESS) {
      // A relay without authentication: it works, but anyone can use it.
      await connection.exchange(stunMessage(REFRESH, [lifetime(0)]), deadline).catch(() => undefined);
      return { ok: true, relayedAddress: relayedAddressOf(first) ?? 'unknown', durationMs: elapsed() };
    }
    const challenge = errorOf(first);
    const realm = textAttribute(first, ATTR_REALM);
    const nonce = textAttribute(first, ATTR_NONCE);
    if (challenge?.code !== 401 || realm === null || nonce === null) {
      return { ok: false, reason: `the relay refused the allocation (${describeError(challenge)})`, durationMs: elapsed() };
    }
    const key = createHash('md5').update(`${request.username}:${realm}:${request.password}`).digest();
    const credentials = [textAttr(ATTR_USERNAME, request.username), textAttr(ATTR_REALM, realm), textAttr(ATTR_NONCE, nonce)];
    const answer = await connection.exchange(signed(stunMessage(ALLOCATE, [requestedTransport(), ...credentials]), key), deadline);
    if (answer.type !== ALLOCATE_SUCCESS) {
      const refusal = errorOf(answer);
      const reason =
        refusal?.code === 401
          ? 'the relay refused the credentials this server makes: TURN_SECRET is not the relay\'s static-auth-secret'
          : `the relay refused the allocation (${describeError(refusal)})`;
      return { ok: false, reason, durationMs: elapsed() };
    }
    const relayedAddress = relayedAddressOf(answer) ?? 'unknown';
    const refreshNonce = textAttribute(answer, ATTR_NONCE) ?? nonce;
    await connection
      .exchange(signed(stunMessage(REFRESH, [lifetime(0), textAttr(ATTR_USERNAME, request.username), textAttr(ATTR_REALM, realm), textAttr(ATTR_NONCE, refreshNonce)]), key), deadline)
      .catch(() => undefined);
    return { ok: true, relayedAddress, durationMs: elapsed() };
  } catch (error) {
    return { ok: false, reason: (error as Error).message, durationMs: elapsed() };
  } finally {
    connection.close();
  }
}

interface TurnTarget {
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
}

export function parseTurnUrl(url: string): TurnTarget | null {
  const match = /^(turns?):(\[[0-9a-fA-F:.]+\]|[^:?\s]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/.exec(url.trim());
  if (!match) return null;
  const secure = match[1] === 'turns';
  const host = match[2]!.replace(/^\[|\]$/g, '');
  const port = match[3] ? Number(match[3]) : secure ? 5349 : 3478;
  if (port < 1 || port > 65_535) return null;
  return { host, port, transport: secure ? 'tls' : match[4] === 'tcp' ? 'tcp' : 'udp' };
}

// --- STUN messages -------------------------------------------------------------------------------

const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE = 0x0003;
const ALLOCATE_SUCCESS = 0x0103;
const REFRESH = 0x0004;
const ATTR_USERNAME = 0x0006;
const ATTR_MESSAGE_INTEGRITY = 0x0008;
const ATTR_ERROR_CODE = 0x0009;
const ATTR_LIFETIME = 0x000d;
const ATTR_REALM = 0x0014;
const ATTR_NONCE = 0x0015;
const ATTR_XOR_RELAYED_ADDRESS = 0x0016;
const ATTR_REQUESTED_TRANSPORT = 0x0019;
const HEADER_BYTES = 20;
/** A STUN answer this exchange needs is small; more is not a relay talking. */
const MAX_MESSAGE_BYTES = 2048;

interface StunMessage {
  type: number;
  transactionId: Buffer;
  attributes: Map<number, Buffer>;
}

function stunMessage(type: number, attributes: Buffer[]): Buffer {
  const body = Buffer.concat(attributes);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(body.length, 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  randomBytes(12).copy(header, 8);
  return Buffer.concat([header, body]);
}

/** MESSAGE-INTEGRITY: HMAC-SHA1 over the message, its length already counting the attribute. */
function signed(message: Buffer, key: Buffer): Buffer {
  const withLength = Buffer.from(message);
  withLength.writeUInt16BE(message.length - HEADER_BYTES + 24, 2);
  const integrity = createHmac('sha1', key).update(withLength).digest();
  return Buffer.concat([withLength, attribute(ATTR_MESSAGE_INTEGRITY, integrity)]);
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function textAttr(type: number, value: string): Buffer {
  return attribute(type, Buffer.from(value, 'utf8'));
}

function requestedTransport(): Buffer {
  // UDP (17): what browsers' relayed candidates use.
  return attribute(ATTR_REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0]));
}

function lifetime(seconds: number): Buffer {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(seconds, 0);
  return attribute(ATTR_LIFETIME, value);
}

function parseStun(bytes: Buffer): StunMessage | null {
  if (bytes.length < HEADER_BYTES || bytes.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const length = bytes.readUInt16BE(2);
  if (bytes.length < HEADER_BYTES + length) return null;
  const attributes = new Map<number, Buffer>();
  let offset = HEADER_BYTES;
  while (offset + 4 <= HEADER_BYTES + length) {
    const type = bytes.readUInt16BE(offset);
    const size = bytes.readUInt16BE(offset + 2);
    if (offset + 4 + size > bytes.length) return null;
    if (!attributes.has(type)) attributes.set(type, bytes.subarray(offset + 4, offset + 4 + size));
    offset += 4 + Math.ceil(size / 4) * 4;
  }
  return { type: bytes.readUInt16BE(0), transactionId: bytes.subarray(8, 20), attributes };
}

function textAttribute(message: StunMessage, type: number): string | null {
  return message.attributes.get(type)?.toString('utf8') ?? null;
}

function errorOf(message: StunMessage): { code: number; reason: string } | null {
  const value = message.attributes.get(ATTR_ERROR_CODE);
  if (!value || value.length < 4) return null;
  return { code: (value[2]! & 0x7) * 100 + value[3]!, reason: value.subarray(4).toString('utf8').slice(0, 100) };
}

function describeError(error: { code: number; reason: string } | null): string {
  return error ? `${error.code}${error.reason ? ` ${error.reason}` : ''}` : 'an answer that is not an allocation';
}

function relayedAddressOf(message: StunMessage): string | null {
  const value = message.attributes.get(ATTR_XOR_RELAYED_ADDRESS);
  if (!value || value.length < 8) return null;
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  if (value[1] === 0x01) {
    const address = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
    return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}:${port}`;
  }
  return `[IPv6]:${port}`;
}

// --- Transports ----------------------------------------------------------------------------------

interface StunConnection {
  /** Sends a request and resolves with the answer of the same transaction, or rejects at the deadline. */
  exchange(request: Buffer, deadline: number): Promise<StunMessage>;
  close(): void;
}

async function openConnection(target: TurnTarget, timeoutMs: number): Promise<StunConnection> {
  return target.transport === 'udp' ? udpConnection(target) : streamConnection(target, timeoutMs);
}

/** UDP: requests are sent again while unanswered (STUN's own retransmission, RFC 8489 6.2.1). */
function udpConnection(target: TurnTarget): StunConnection {
  const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
  socket.on('error', () => undefined);
  return {
    exchange(request, deadline) {
      return new Promise((resolve, reject) => {
        let wait = 250;
        let resend: NodeJS.Timeout;
        const send = () => {
          socket.send(request, target.port, target.host);
          resend = setTimeout(send, (wait = Math.min(wait * 2, 2000)));
        };
        const onMessage = (bytes: Buffer) => {
          const message = bytes.length <= MAX_MESSAGE_BYTES ? parseStun(bytes) : null;
          if (message && message.transactionId.equals(request.subarray(8, 20))) finish(() => resolve(message));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`nothing answered on UDP ${target.host}:${target.port}: the relay is not running there, or a firewall drops UDP`))), Math.max(0, deadline - Date.now()));
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          clearTimeout(resend);
          socket.off('message', onMessage);
          settle();
        };
        socket.on('message', onMessage);
        send();
      });
    },
    close: () => socket.close(),
  };
}

/** TCP and TLS: STUN messages back to back on one stream, each framed by its own length. */
function streamConnection(target: TurnTarget, timeoutMs: number): Promise<StunConnection> {
  return new Promise((resolve, reject) => {
    const what = `${target.transport.toUpperCase()} ${target.host}:${target.port}`;
    const socket =
      target.transport === 'tls'
        ? tls.connect({ host: target.host, port: target.port, servername: net.isIP(target.host) ? undefined : target.host })
        : net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection to ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(error.code === 'ECONNREFUSED' ? `the connection to ${what} was refused (nothing listens there)` : `${what}: ${error.code ?? error.message}`));
    });
    socket.once(target.transport === 'tls' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      let buffered = Buffer.alloc(0);
      const waiting: Array<(message: StunMessage) => void> = [];
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= HEADER_BYTES) {
          const size = HEADER_BYTES + buffered.readUInt16BE(2);
          if (size > MAX_MESSAGE_BYTES) return socket.destroy();
          if (buffered.length < size) break;
          const message = parseStun(buffered.subarray(0, size));
          buffered = buffered.subarray(size);
          if (message) waiting.shift()?.(message);
        }
      });
      socket.on('error', () => undefined);
      resolve({
        exchange(request, deadline) {
          return new Promise((answer, refuse) => {
            const timeout = setTimeout(() => refuse(new Error(`${what} did not answer in time`)), Math.max(0, deadline - Date.now()));
            waiting.push((message) => {
              clearTimeout(timeout);
              answer(message);
            });
            socket.write(request);
          });
        },
        close: () => socket.destroy(),
      });
    });
  });
}
