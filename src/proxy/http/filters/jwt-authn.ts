// The JWT authentication filter (envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication),
// which carries Istio's RequestAuthentication. The first rule whose route match fits the request
// picks a requirement (a per-route PerRouteConfig may disable it or name another); the requirement
// is checked against the tokens the providers find (jwt/requirement.ts); a failure is answered 401
// (403 for a disallowed audience) with Envoy's reason as the body and a WWW-Authenticate header.
// Verified tokens feed headers, metadata and Istio's request.auth.* facts (jwt/output.ts).
import { routeMatches } from '../../router/route-match.js';
import type { FilterContext, FilterStatus, HttpFilter, HttpFilterFactory } from '../filter.js';
import type { Fields, HttpStream } from '../stream.js';
import { checkType } from './config-fields.js';
import { getHeader } from './header-map.js';
import { mostSpecific } from './per-route.js';
import { readJwtAuthentication, readPerRoute, type JwtAuthnSettings, type JwtProviderSettings, type JwtRequirement } from './jwt/config.js';
import { DEFAULT_REFETCH_COOLDOWN_MS, keySource, RemoteKeySets } from './jwt/key-source.js';
import { applyOutputs, sanitizeOutputHeaders } from './jwt/output.js';
import { RequirementRun } from './jwt/requirement.js';
import { JWT_STATUS, type JwtStatus } from './jwt/status.js';
import { verifyToken } from './jwt/verify.js';

export const JWT_AUTHN_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
export const JWT_AUTHN_PER_ROUTE_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig';
export { ISTIO_AUTHN_STATE, JWT_AUTHN_METADATA, type IstioAuthn } from './jwt/output.js';

export interface JwtAuthnFilterDeps {
  /** Milliseconds since the epoch; Date.now by default (tests move the clock instead of sleeping). */
  now?: () => number;
  /** Least time between two JWKS refetches caused by unknown kids, per URI; 5 s by default. */
  refetchCooldownMs?: number;
}

/** Envoy's realm: the request's URI without its query, cut at 256 characters. */
function realm(stream: HttpStream): string {
  const r = stream.request;
  const path = r.path.split('?')[0]!;
  return `${r.scheme}://${r.authority}${path}`.slice(0, 256);
}

function isCorsPreflight(stream: HttpStream): boolean {
  const h = stream.request.headers;
  return stream.request.method === 'OPTIONS' && !!getHeader(h, 'origin') && !!getHeader(h, 'access-control-request-method');
}

class JwtAuthnFilter implements HttpFilter {
  private readonly keys = new Map<string, ReturnType<typeof keySource>>();

  constructor(
    private readonly settings: JwtAuthnSettings,
    private readonly ctx: FilterContext,
    remote: RemoteKeySets,
    private readonly now: () => number,
  ) {
    for (const p of settings.providers.values()) this.keys.set(p.name, keySource(p.jwks, remote));
  }

  /** The requirement for this request: per-route config first, else the first matching rule. */
  private requirement(stream: HttpStream): JwtRequirement | 'deny-unknown-requirement' | undefined {
    const perRoute = mostSpecific(stream, this.ctx.name);
    if (perRoute) {
      let pr;
      try {
        pr = readPerRoute(perRoute);
      } catch (err) {
        // validatePerRoute rejects such a route table first; never fail a request over it.
        this.ctx.log(`jwt_authn: ignoring a bad per-route config: ${(err as Error).message}`);
      }
      if (pr?.kind === 'disabled') return undefined;
      if (pr?.kind === 'requirement') return this.settings.requirementMap.get(pr.name) ?? 'deny-unknown-requirement';
    }
    return this.settings.rules.find((r) => routeMatches(r.match, stream.request))?.requirement;
  }

  private reject(stream: HttpStream, status: JwtStatus): void {
    const strip = this.settings.stripFailureResponse;
    const value = status === JWT_STATUS.missing ? `Bearer realm="${realm(stream)}"` : `Bearer realm="${realm(stream)}", error="invalid_token"`;
    stream.sendLocalReply({
      status: status === JWT_STATUS.audienceNotAllowed ? 403 : 401,
      body: strip ? '' : status,
      headers: strip ? {} : { 'www-authenticate': value },
      details: `jwt_authn_access_denied{${status.replace(/\s/g, '_')}}`,
    });
  }

  decodeHeaders(stream: HttpStream): FilterStatus | Promise<FilterStatus> {
    sanitizeOutputHeaders(stream, this.settings.providers.values());
    if (this.settings.bypassCorsPreflight && isCorsPreflight(stream)) return 'continue';
    const requirement = this.requirement(stream);
    if (requirement === 'deny-unknown-requirement') {
      stream.sendLocalReply({ status: 403, body: 'Failed JWT authentication: unknown requirement name', details: 'jwt_authn_access_denied{unknown_requirement_name}' });
      return 'stop';
    }
    if (requirement === undefined || requirement.kind === 'none') return 'continue';
    return this.check(stream, requirement);
  }

  private async check(stream: HttpStream, requirement: JwtRequirement): Promise<FilterStatus> {
    const run = new RequirementRun({
      request: stream.request,
      providers: this.settings.providers,
      verify: (token: string, p: JwtProviderSettings, audiences: readonly string[]) => verifyToken(token, p, this.keys.get(p.name)!, this.now(), audiences),
    });
    const status = await run.evaluate(requirement);
    if (stream.done) return 'stop';
    if (status !== JWT_STATUS.ok) {
      this.reject(stream, status);
      return 'stop';
    }
    applyOutputs(stream, run.verified);
    return 'continue';
  }
}

/** A jwt_authn factory with its clock and JWKS refetch cooldown injected (tests). */
export function createJwtAuthnFilterFactory(deps: JwtAuthnFilterDeps = {}): HttpFilterFactory {
  const now = deps.now ?? Date.now;
  const remote = new RemoteKeySets({ refetchCooldownMs: deps.refetchCooldownMs ?? DEFAULT_REFETCH_COOLDOWN_MS });
  return {
    typeUrl: JWT_AUTHN_TYPE,
    create(config: Fields, ctx: FilterContext): HttpFilter {
      checkType(config, JWT_AUTHN_TYPE);
      return new JwtAuthnFilter(readJwtAuthentication(config), ctx, remote, now);
    },
    validatePerRoute(config: Fields): void {
      checkType(config, JWT_AUTHN_PER_ROUTE_TYPE);
      readPerRoute(config);
    },
  };
}

export const jwtAuthnFilter: HttpFilterFactory = createJwtAuthnFilterFactory();
