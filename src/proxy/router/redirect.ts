// A route's redirect action → the Location and status Envoy answers with.
type Fields = Record<string, unknown>;

const CODES: Record<string, number> = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 };

export interface Redirect {
  status: number;
  location: string;
}

export function redirectFor(redirect: Fields, route: Fields, req: { scheme: string; authority: string; path: string }): Redirect {
  const status = CODES[String(redirect.response_code ?? 'MOVED_PERMANENTLY')] ?? 301;
  const https = redirect.https_redirect === true;
  const scheme = https ? 'https' : typeof redirect.scheme_redirect === 'string' && redirect.scheme_redirect !== '' ? redirect.scheme_redirect : req.scheme;
  const newPort = redirect.port_redirect !== undefined && Number(redirect.port_redirect) !== 0 ? String(redirect.port_redirect) : undefined;
  // As Envoy: a host_redirect replaces the whole authority (the request's port goes too); else the
  // request's port stays unless a new one is set or the scheme changes away from its default port.
  let authority: string;
  if (typeof redirect.host_redirect === 'string' && redirect.host_redirect !== '') {
    authority = newPort === undefined ? redirect.host_redirect : `${redirect.host_redirect}:${newPort}`;
  } else {
    const [origHost = '', origPort] = splitAuthority(req.authority);
    const leavesDefault = scheme !== req.scheme && ((req.scheme === 'https' && origPort === '443') || (req.scheme === 'http' && origPort === '80'));
    const port = newPort ?? (leavesDefault ? undefined : origPort);
    authority = port === undefined ? origHost : `${origHost}:${port}`;
  }
  const q = req.path.indexOf('?');
  let path = q < 0 ? req.path : req.path.slice(0, q);
  let query = q < 0 ? '' : req.path.slice(q);
  if (typeof redirect.path_redirect === 'string' && redirect.path_redirect !== '') {
    path = redirect.path_redirect;
    if (path.includes('?')) query = '';
  } else if (typeof redirect.prefix_rewrite === 'string') {
    const match = (route.match ?? {}) as Fields;
    const prefix = typeof match.prefix === 'string' ? match.prefix : '';
    path = redirect.prefix_rewrite + path.slice(prefix.length);
  }
  if (redirect.strip_query === true) query = '';
  return { status, location: `${scheme}://${authority}${path}${query}` };
}

function splitAuthority(authority: string): [string, string | undefined] {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  return m ? [m[1]!, m[2]] : [authority, undefined];
}
