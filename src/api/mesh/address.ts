// "host:port" addresses in mesh and proxy settings (discovery server, tracers, Mixer). Checked at
// load time because a proxy that cannot parse its control-plane address never starts.
import { z } from 'zod';

/** Returns what is wrong with `text` as host:port (IPv6 in brackets), or undefined. */
export function hostPortProblem(text: string): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?):(\d+)$/.exec(text);
  if (!m) return `"${text}" is not a host:port address`;
  const p = Number(m[3]);
  if (p < 1 || p > 65535) return `"${text}" has port ${m[3]} outside 1..65535`;
  return undefined;
}

export const hostPort = hostPortSchema(false);

/** As hostPort, but "" is allowed and means "not configured" (as in Istio's MeshConfig). */
export const hostPortOrEmpty = hostPortSchema(true);

function hostPortSchema(allowEmpty: boolean) {
  return z.string().superRefine((text, ctx) => {
    if (allowEmpty && text === '') return;
    const p = hostPortProblem(text);
    if (p) ctx.addIssue({ code: 'custom', message: p, params: { hint: 'write host:port, e.g. "localhost:15012" or "[::1]:9411"' } });
  });
}
