import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { waitForPort } from './ports';
import { signalGroup } from './process-group';

// Debian's Janus (the media server of group visits) on private ports, from a configuration the test
// writes: the videoroom plugin only, its WebSocket API on 127.0.0.1 with an API secret, no demo
// rooms, and an RTP port range of its own. Janus gathers no ICE candidates on loopback: its media
// uses the machine's own interface. Stopped by killing its process group.

export const JANUS_BINARY = process.env.JANUS_PATH ?? '/usr/bin/janus';
const LIBRARIES = '/usr/lib/x86_64-linux-gnu/janus';
const OTHER_PLUGINS = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'voicemail'];
const OTHER_TRANSPORTS = ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq'];

export interface MediaServer {
  url: string;
  apiSecret: string;
  /** Its process (benchmarks read its CPU and memory from /proc). */
  pid: number;
  stop(): Promise<void>;
}

export async function startJanus(options: { port: number; rtpPorts: [number, number]; apiSecret: string; logFile: string }): Promise<MediaServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'televisit-janus-'));
  writeFileSync(
    path.join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIBRARIES}/plugins"
  transports_folder = "${LIBRARIES}/transports"
  events_folder = "${LIBRARIES}/events"
  loggers_folder = "${LIBRARIES}/loggers"
  debug_level = 4
  api_secret = "${options.apiSecret}"
  session_timeout = 60
}
media: {
  rtp_port_range = "${options.rtpPorts[0]}-${options.rtpPorts[1]}"
}
nat: {
  ice_enforce_list = "${ownInterface()}"
}
plugins: {
  disable = "${OTHER_PLUGINS.map((name) => `libjanus_${name}.so`).join(',')}"
}
transports: {
  disable = "${OTHER_TRANSPORTS.map((name) => `libjanus_${name}.so`).join(',')}"
}
events: {
  broadcast = false
}
loggers: {
  disable = "libjanus_jsonlog.so"
}
`,
  );
  writeFileSync(
    path.join(dir, 'janus.transport.websockets.jcfg'),
    `general: {
  json = "plain"
  ws = true
  ws_port = ${options.port}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = false
}
`,
  );
  // No rooms of its own: each visit's room is made by the app.
  writeFileSync(path.join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
  const log = openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(JANUS_BINARY, ['-F', dir, '-C', path.join(dir, 'janus.jcfg')], { detached: true, stdio: ['ignore', log, log] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    signalGroup(child, 'SIGKILL');
    await exited;
    closeSync(log);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(options.port, { child, what: `janus (see ${options.logFile})` });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `ws://127.0.0.1:${options.port}`, apiSecret: options.apiSecret, pid: child.pid!, stop };
}

/** The machine's first IPv4 interface that is not loopback (its name, as ice_enforce_list wants). */
function ownInterface(): string {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (addresses?.some((address) => address.family === 'IPv4' && !address.internal)) return name;
  }
  throw new Error('Janus needs a network interface other than loopback for its media');
}
