import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForPort } from './ports';
import { signalGroup } from './process-group';

// Debian's nginx as the load balancer in front of several app servers, with the proxy settings
// Televisit ships (deploy/nginx/televisit-proxy.conf), on a private port, stopped by killing its
// process group. Run as root, its workers are `nobody`: their temp folders must be theirs to write.

export const NGINX_BINARY = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const PROXY_SETTINGS = path.resolve(import.meta.dirname, '..', '..', 'deploy', 'nginx', 'televisit-proxy.conf');

export interface LoadBalancer {
  url: string;
  stop(): Promise<void>;
}

export async function startLoadBalancer(options: { port: number; upstreamPorts: number[]; logFile: string }): Promise<LoadBalancer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'televisit-nginx-'));
  for (const folder of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, folder));
  for (const folder of [dir, ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => path.join(dir, name))]) chmodSync(folder, 0o777);
  // The same servers twice: round robin, and by visit cookie for the media-server route (deploy/nginx).
  const servers = options.upstreamPorts.map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=3s;`).join('\n');
  const config = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${options.logFile} warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream televisit {
${servers}
    keepalive 16;
  }
  upstream televisit_media {
    hash $cookie_tv_visit consistent;
${servers}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${options.port};
    include ${PROXY_SETTINGS};
  }
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), config);
  const child: ChildProcess = spawn(NGINX_BINARY, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', options.logFile], { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(options.port, { child, what: `nginx (see ${options.logFile})` });
  return {
    url: `http://127.0.0.1:${options.port}`,
    async stop() {
      signalGroup(child, 'SIGKILL');
      await exited;
    },
  };
}
