import type { Server } from 'node:http';

/** See connection-limits.mjs: closes silent connections, and the longest-idle kept-alive ones past a cap. */
export function limitConnections(server: Server, limits: { silentMs: number; idleMax: number }): void;
