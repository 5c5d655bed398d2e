// One HTTP call to Epic. It never throws into its caller: it returns what happened (the status,
// RespCode 0 when no HTTP answer came, and why), and the caller records it.

import { outgoingRequest, type OutgoingFailureKind, type OutgoingPolicy } from '@/lib/http/outgoing';

export interface EpicCall {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** The integration's limits on where the call may go (lib/http/outgoing.ts). */
  policy: OutgoingPolicy;
}

export interface EpicCallResult {
  /** The HTTP status, or 0 when no answer came (refused, DNS, timeout, TLS, a refused address). */
  respCode: number;
  /**
   * What is kept of the answer: its status line only. The body is never echoed: an endpoint URL is
   * an admin's setting, and a body shown back would turn it into a window on any server we reach.
   */
  responseStart: string | null;
  error: string | null;
  durationMs: number;
  /** From Retry-After, when the answer had one. */
  retryAfterMs: number | null;
  /** Why no answer came (RespCode 0); null when Epic answered. */
  failureKind: OutgoingFailureKind | null;
  /** Epic's clock: the answer's Date header, when it had a valid one. */
  answeredAt: Date | null;
}

export async function callEpic(call: EpicCall): Promise<EpicCallResult> {
  const result = await outgoingRequest({ url: call.url, method: 'POST', headers: call.headers, body: call.body, timeoutMs: call.timeoutMs, policy: call.policy });
  if (!result.ok) return { respCode: 0, responseStart: null, error: result.message, durationMs: result.durationMs, retryAfterMs: null, failureKind: result.kind, answeredAt: null };
  const date = Date.parse(result.headers.get('date') ?? '');
  return {
    respCode: result.status,
    responseStart: `HTTP ${result.status}${result.statusText ? ` ${result.statusText}` : ''}`,
    error: null,
    durationMs: result.durationMs,
    retryAfterMs: retryAfter(result.headers.get('retry-after')),
    failureKind: null,
    answeredAt: Number.isNaN(date) ? null : new Date(date),
  };
}

/** Whether Epic may answer differently later: no answer, 408, 429 and 5xx. */
export function isRetryable(respCode: number): boolean {
  return respCode === 0 || respCode === 408 || respCode === 429 || respCode >= 500;
}

export function isSuccess(respCode: number): boolean {
  return respCode >= 200 && respCode < 300;
}

/** Headers as recorded for admins: credentials are replaced, the scheme is kept. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) =>
      name.toLowerCase() === 'authorization' ? [name, `${value.split(' ')[0]} [redacted]`] : [name, value],
    ),
  );
}

function retryAfter(value: string | null): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}
