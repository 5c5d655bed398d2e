// The part of janode (Meetecho's Node client for Janus, plain JavaScript without types) this
// server uses: a WebSocket connection to Janus' API, and a session on it that janode keeps alive.

declare module 'janode' {
  import type { EventEmitter } from 'node:events';

  export interface JanodeSession extends EventEmitter {
    destroy(): Promise<void>;
  }

  export interface JanodeConnection extends EventEmitter {
    create(keepaliveSeconds?: number): Promise<JanodeSession>;
    close(): Promise<void>;
  }

  interface Janode {
    connect(config: { is_admin?: boolean; address: { url: string; apisecret?: string }; retry_time_secs?: number; max_retries?: number }): Promise<JanodeConnection>;
    Logger: { setLevel(level: 'none' | 'error' | 'warning' | 'info' | 'verbose' | 'debug'): void };
    EVENT: { CONNECTION_CLOSED: string; CONNECTION_ERROR: string; SESSION_DESTROYED: string };
  }

  const janode: Janode;
  export default janode;
}
