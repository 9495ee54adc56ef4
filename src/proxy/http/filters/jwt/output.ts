// What a verified token leaves behind: the token itself removed unless forwarded, the payload
// and chosen claims as request headers, the payload in the stream's metadata for later filters,
// and Istio's `istio_authn` facts (request.auth.*) that authorization (RBAC) reads.
import type { HttpStream } from '../../stream.js';
import { setHeader } from '../header-map.js';
import type { JwtProviderSettings } from './config.js';
import { removeToken } from './extract.js';
import type { VerifiedToken } from './requirement.js';

/** The filter-state key Envoy's dynamic metadata namespace uses for this filter. */
export const JWT_AUTHN_METADATA = 'envoy.filters.http.jwt_authn';
/** Istio's authn metadata, read by the RBAC filter for requestPrincipals and request.auth.* conditions. */
export const ISTIO_AUTHN_STATE = 'istio_authn';

export interface IstioAuthn {
  /** `<iss>/<sub>`, what AuthorizationPolicy calls a request principal. */
  'request.auth.principal': string;
  'request.auth.audiences': string[];
  /** The authorized presenter (`azp`), or ''. */
  'request.auth.presenter': string;
  'request.auth.claims': Record<string, unknown>;
}

/** A claim by dotted path: `nested.key.group` reads `{nested: {key: {group: …}}}`. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (path in payload) return payload[path];
  let v: unknown = payload;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Header text for a claim: strings, numbers and booleans, lists of them joined by commas. */
function claimText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) return v.join(',');
  return undefined;
}

/**
 * Headers this filter writes are removed from every request first: a client must not be able to
 * send `x-jwt-payload` or a claim header itself and have the application trust it.
 */
export function sanitizeOutputHeaders(stream: HttpStream, providers: Iterable<JwtProviderSettings>): void {
  const headers = stream.request.headers;
  for (const p of providers) {
    if (p.forwardPayloadHeader !== '') delete headers[p.forwardPayloadHeader];
    for (const c of p.claimToHeaders) delete headers[c.header];
  }
}

function istioAuthn(t: VerifiedToken): IstioAuthn {
  const { payload } = t.jwt;
  const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const azp = (payload as { azp?: unknown }).azp;
  return {
    'request.auth.principal': `${payload.iss ?? ''}/${payload.sub ?? ''}`,
    'request.auth.audiences': aud.filter((a): a is string => typeof a === 'string'),
    'request.auth.presenter': typeof azp === 'string' ? azp : '',
    'request.auth.claims': { ...payload },
  };
}

export function applyOutputs(stream: HttpStream, verified: readonly VerifiedToken[]): void {
  const headers = stream.request.headers;
  let metadata = stream.filterState.get(JWT_AUTHN_METADATA) as Record<string, unknown> | undefined;
  let clearRoute = false;
  for (const t of verified) {
    const p = t.provider;
    if (!p.forward) removeToken(stream.request, t.extracted);
    if (p.forwardPayloadHeader !== '') {
      const raw = t.jwt.rawPayload;
      setHeader(headers, p.forwardPayloadHeader, p.padForwardPayloadHeader ? raw + '='.repeat((4 - (raw.length % 4)) % 4) : raw);
    }
    for (const c of p.claimToHeaders) {
      const text = claimText(claimAt(t.jwt.payload, c.claim));
      if (text !== undefined) setHeader(headers, c.header, text);
    }
    if (p.payloadInMetadata !== '' || p.headerInMetadata !== '') {
      metadata ??= {};
      if (p.payloadInMetadata !== '') metadata[p.payloadInMetadata] = t.jwt.payload;
      if (p.headerInMetadata !== '') metadata[p.headerInMetadata] = t.jwt.header;
    }
    clearRoute ||= p.clearRouteCache;
  }
  if (metadata) stream.filterState.set(JWT_AUTHN_METADATA, metadata);
  if (verified.length > 0 && !stream.filterState.has(ISTIO_AUTHN_STATE)) stream.filterState.set(ISTIO_AUTHN_STATE, istioAuthn(verified[0]!));
  if (clearRoute) stream.clearRouteCache();
}
