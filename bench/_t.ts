import path from 'node:path';
import http from 'node:http';
import { startApp } from '../e2e/support/app-server';
import { prepareEmbeddedData } from '../e2e/support/embedded-app';
import { encryptLaunchData, launchKeyFromSecret } from '../lib/epic/launch-token';
async function main() {
  const data = await prepareEmbeddedData();
  const app = await startApp({ port: 3396, env: data.env, logFile: path.join(data.dataDir, 'server.log') });
  const key = launchKeyFromSecret(data.integration.secret, 'AES-256-CBC');
  for (let v = 0; v < 3; v++) {
    const pt = `SessionID=${Date.now()}${v}&UserType=Patient&ExternalID=PATB&Timestamp=${Math.floor(Date.now() / 1000)}`;
    const r = await fetch(`${app.url}/launch?key=${data.integration.encryptionKey}&data=${encodeURIComponent(encryptLaunchData(pt, key, 'AES-256-CBC'))}`, { redirect: 'manual' });
    const meetingId = r.headers.get('location')!.split('/').pop();
    const cookie = r.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ');
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await new Promise<void>((resolve) => {
        http.get(`${app.url}/api/visits/${meetingId}/events`, { headers: { cookie, 'x-n': String(i) } }, (res) => { res.once('data', () => { times.push(performance.now() - t); resolve(); }); });
      });
      await new Promise((r) => setTimeout(r, 50));
    }
    const t = performance.now(); await fetch(`${app.url}/api/health`); 
    console.log('stream first-byte ms', times.map((x) => x.toFixed(1)).join(' '), 'health', (performance.now() - t).toFixed(1));
  }
  await app.stop();
}
main();
