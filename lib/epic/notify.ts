// One HTTP call to Epic. It never throws into its caller: it returns what happened (the status,
// RespCode 0 when no HTTP answer came, the start of the answer), and the caller records it.

export const RESPONSE_START_CHARS = 2000;

export interface EpicCall {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface EpicCallResult {
  /** The HTTP status, or 0 when no answer came (refused, DNS, timeout, TLS). */
  respCode: number;
  responseStart: string | null;
  error: string | null;
  durationMs: number;
  /** From Retry-After, when the answer had one. */
  retryAfterMs: number | null;
}

export async function callEpic(call: EpicCall): Promise<EpicCallResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(call.url, {
      method: 'POST',
      headers: call.headers,
      body: call.body,
      // Epic's endpoints do not redirect; following one could send credentials elsewhere.
      redirect: 'manual',
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    const text = await readStart(response);
    return {
      respCode: response.status,
      responseStart: text,
      error: null,
      durationMs: elapsed(),
      retryAfterMs: retryAfter(response.headers.get('retry-after')),
    };
  } catch (error) {
    return { respCode: 0, responseStart: null, error: describe(error, call.timeoutMs), durationMs: elapsed(), retryAfterMs: null };
  }
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

async function readStart(response: Response): Promise<string | null> {
  try {
    const text = await response.text();
    return text ? text.slice(0, RESPONSE_START_CHARS) : null;
  } catch {
    return null;
  }
}

function retryAfter(value: string | null): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : 'request failed';
}
