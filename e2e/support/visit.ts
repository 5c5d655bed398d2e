import http from 'node:http';
import type { Page } from '@playwright/test';
import { query } from './database';
import { launchPath, type LaunchFields, type TestIntegration } from './epic';

// A participant without a browser: a launch's cookie, and the visit's push stream read as raw
// Server-Sent Events, for tests that craft requests a page would never send.

export interface LaunchedVisitor {
  meetingId: string;
  cookie: string;
}

export async function launchVisitor(baseUrl: string, integration: TestIntegration, fields: LaunchFields): Promise<LaunchedVisitor> {
  const response = await fetch(`${baseUrl}${launchPath(integration, fields)}`, { redirect: 'manual' });
  const location = response.headers.get('location') ?? '';
  const cookie = response.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
  if (response.status !== 303 || !location.startsWith('/visit/')) throw new Error(`the launch answered ${response.status} ${location}`);
  return { meetingId: location.split('/').pop()!, cookie };
}

export interface OpenStream {
  status: number;
  /** Every event so far, in order, parsed. */
  events: Array<{ event: string; data: unknown }>;
  /** The latest `state` event's data. */
  state(): Record<string, unknown> | undefined;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Stops reading the stream (a browser that does not keep up), and reads on again. */
  pause(): void;
  resume(): void;
  close(): void;
}

export function openStream(baseUrl: string, visitor: LaunchedVisitor): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${baseUrl}/api/visits/${visitor.meetingId}/events`, { headers: { Cookie: visitor.cookie, Accept: 'text/event-stream' } }, (response) => {
      const events: OpenStream['events'] = [];
      let buffer = '';
      let markEnded!: () => void;
      const ended = new Promise<void>((done) => (markEnded = done));
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let boundary;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) events.push({ event, data: JSON.parse(data) });
        }
      });
      response.on('end', markEnded);
      response.on('close', markEnded);
      resolve({
        status: response.statusCode ?? 0,
        events,
        state: () => events.filter((entry) => entry.event === 'state').at(-1)?.data as Record<string, unknown> | undefined,
        ended,
        pause: () => response.pause(),
        resume: () => response.resume(),
        close: () => request.destroy(),
      });
    });
    request.on('error', reject);
  });
}

/** Waits until `check` passes (polling), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The connection id of a visit page's open push stream, once it is open. A page's first status
 * comes with its HTML, before its stream connects: a test that opens a second device for the
 * same person must wait for this first, or the second could connect first and be the one replaced.
 */
export async function openStreamConnection(page: Page, externalId: string): Promise<string> {
  const meetingId = new URL(page.url()).pathname.split('/').at(-1)!;
  return eventually(async () => {
    const rows = await query<{ connection_id: string | null }>('select connection_id from participants where meeting_id = $1 and epic_user_id = $2', [meetingId, externalId]);
    return rows[0]?.connection_id ?? undefined;
  });
}

/**
 * Runs before a page's own scripts: records every EventSource it makes (`window.__eventSources`),
 * so a test can tell whether the page opened a stream, without waiting to see if it does.
 */
export const RECORD_EVENT_SOURCES = () => {
  const Original = window.EventSource;
  const made: EventSource[] = [];
  (window as unknown as { __eventSources: EventSource[] }).__eventSources = made;
  window.EventSource = class extends Original {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, init);
      made.push(this);
    }
  } as typeof EventSource;
};

/** The readyState of each EventSource the page made (0 connecting, 1 open, 2 closed). */
export function eventSourceStates(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __eventSources: EventSource[] }).__eventSources.map((source) => source.readyState));
}
