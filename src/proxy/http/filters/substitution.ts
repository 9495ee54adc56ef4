// The part of Envoy's substitution format language that header values use
// (request_headers_to_add and friends): `%DOWNSTREAM_REMOTE_ADDRESS%`, `%REQ(x-foo?x-bar):10%`,
// `%%` for a literal percent sign. A template is compiled once, when its config arrives, so a
// command this proxy does not know rejects the config instead of leaking "%FOO%" to upstreams.
// As in Envoy's header context, a value that is not known renders as the empty string.
import { hostname } from 'node:os';
import type { HttpStream } from '../stream.js';
import { reject } from './config-fields.js';
import { requestHeader } from './header-map.js';

export type Formatter = (stream: HttpStream) => string;

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

type Command = (stream: HttpStream) => string | undefined;

const COMMANDS: Record<string, Command> = {
  DOWNSTREAM_REMOTE_ADDRESS: (s) => hostPort(s.downstream.remoteAddress, s.downstream.remotePort),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (s) => s.downstream.remoteAddress,
  DOWNSTREAM_REMOTE_PORT: (s) => String(s.downstream.remotePort),
  // No PROXY protocol or XFF trust here: the direct peer is the remote address.
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS: (s) => hostPort(s.downstream.remoteAddress, s.downstream.remotePort),
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT: (s) => s.downstream.remoteAddress,
  DOWNSTREAM_LOCAL_ADDRESS: (s) => hostPort(s.downstream.localAddress, s.downstream.localPort),
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: (s) => s.downstream.localAddress,
  DOWNSTREAM_LOCAL_PORT: (s) => String(s.downstream.localPort),
  REQUESTED_SERVER_NAME: (s) => s.downstream.serverName,
  PROTOCOL: (s) => s.request.protocol,
  HOSTNAME: () => hostname(),
  UPSTREAM_CLUSTER: (s) => s.upstream?.cluster,
  ROUTE_NAME: (s) => (typeof s.route?.route.name === 'string' ? s.route.route.name : undefined),
  START_TIME: (s) => new Date(s.startTime).toISOString(),
};

// %COMMAND%, %COMMAND(args)%, %COMMAND(args):maxlen%
const TOKEN = /%([A-Z0-9_]+)(?:\(([^)]*)\))?(?::(\d+))?%/y;

function reqCommand(args: string, field: string): Command {
  const [main, alt, extra] = args.split('?');
  if (!main || extra !== undefined || alt === '') reject(field, `REQ(${args}) must name a header, optionally ?another`);
  return (s) => requestHeader(s.request, main) ?? (alt !== undefined ? requestHeader(s.request, alt) : undefined);
}

function command(name: string, args: string | undefined, field: string): Command {
  if (name === 'REQ') {
    if (args === undefined) reject(field, 'REQ needs a header name: %REQ(name)%');
    return reqCommand(args, field);
  }
  const fn = COMMANDS[name];
  if (!fn) reject(field, `%${name}% is not a substitution command this proxy supports`);
  if (args !== undefined) reject(field, `%${name}(${args})%: this proxy supports ${name} only without arguments`);
  return fn;
}

/** Compiles a header value template; throws FilterConfigError naming `field` when it is bad. */
export function compileFormat(template: string, field: string): Formatter {
  if (!template.includes('%')) return () => template;
  const parts: (string | Command)[] = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c !== '%') {
      literal += c;
      i++;
      continue;
    }
    if (template[i + 1] === '%') {
      literal += '%';
      i += 2;
      continue;
    }
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(template);
    if (!m) reject(field, `"${template}" has a % at ${i} that starts no %COMMAND% (write %% for a literal %)`);
    const fn = command(m[1]!, m[2], field);
    const max = m[3] !== undefined ? Number(m[3]) : undefined;
    if (literal) parts.push(literal);
    literal = '';
    parts.push(max === undefined ? fn : (s) => fn(s)?.slice(0, max));
    i += m[0].length;
  }
  if (literal) parts.push(literal);
  return (stream) => parts.map((p) => (typeof p === 'string' ? p : (p(stream) ?? ''))).join('');
}
