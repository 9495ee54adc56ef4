// `isthmus dashboard`: where the manager's live dashboard is, opened in a browser when there is
// a desktop to open it on (xdg-open), and printed either way.
import { spawn, spawnSync } from 'node:child_process';
import { EXIT, UsageError, type Command } from '../command.js';

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'Open the live dashboard (service graph, config, proxy sync) the manager serves',
  usage: 'isthmus dashboard [--monitoring 127.0.0.1:15014 | http://HOST:PORT] [--no-open]',
  examples: ['isthmus dashboard', 'isthmus dashboard --monitoring 127.0.0.1:25014', 'isthmus dashboard --no-open'],
  options: { monitoring: { type: 'string' }, 'monitoring-address': { type: 'string' }, 'no-open': { type: 'boolean' } },
  async run(values, _pos, io) {
    const given = (values.monitoring as string | undefined) ?? (values['monitoring-address'] as string | undefined) ?? '127.0.0.1:15014';
    const base = monitoringBase(given);
    const url = `${base}/ui/`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (e) {
      io.err(`error: the manager did not answer ${url} (${(e as Error).message}); is it running (isthmus up / isthmus control-plane)? Point at its monitoring port with --monitoring HOST:PORT`);
      return EXIT.FAILURE;
    }
    io.out(url);
    if (values['no-open']) return EXIT.OK;
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
      io.err('(no desktop session here: open the URL in a browser)');
    } else if (spawnSync('sh', ['-c', 'command -v xdg-open'], { stdio: 'ignore' }).status !== 0) {
      io.err('(xdg-open is not installed: open the URL in a browser)');
    } else {
      // The browser outlives this command: detach it and do not wait.
      const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' });
      child.on('error', () => io.err('(xdg-open failed: open the URL in a browser)'));
      child.unref();
    }
    return EXIT.OK;
  },
};

/** `HOST:PORT` or an http(s) URL → `http://HOST:PORT` without a trailing slash. */
export function monitoringBase(given: string): string {
  if (/^[\w.-]+:\d+$/.test(given)) return `http://${given}`;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--monitoring is HOST:PORT or a URL (e.g. 127.0.0.1:15014), not "${given}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--monitoring "${given}": use an http:// URL or HOST:PORT`);
  return `${url.protocol}//${url.host}`;
}
