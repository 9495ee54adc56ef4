// The CORS filter (envoy.extensions.filters.http.cors.v3.Cors), driven by per-route CorsPolicy
// entries (Istio's VirtualService corsPolicy). A preflight — OPTIONS with Origin and
// Access-Control-Request-Method — is answered here with 200 and the allow headers, unless the
// origin is not allowed and forward_not_matching_preflights (default true) sends it upstream.
// Any other request from an allowed origin gets Access-Control-Allow-Origin (and credentials,
// expose headers) on its response. filter_enabled decides per request whether the policy is
// enforced; shadow_enabled evaluates the origin without acting on it.
import { stringMatches } from '../../router/string-matcher.js';
import type { FilterContext, FilterStatus, HttpFilter, HttpFilterFactory } from '../filter.js';
import type { Fields, Headers, HttpStream, ResponseHead } from '../stream.js';
import { asFields, checkType } from './config-fields.js';
import { MergedCors, readCorsPolicy, type CorsPolicy } from './cors-policy.js';
import { getHeader, setHeader } from './header-map.js';
import { fractionHit } from './percent.js';
import { allLevels } from './per-route.js';

export const CORS_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';

export interface CorsFilterDeps {
  /** Uniform in [0, 1), for filter_enabled / shadow_enabled fractions; Math.random by default. */
  random?: () => number;
}

interface StreamState {
  cors: MergedCors;
  /** The request's Origin, kept only when it is allowed. */
  origin?: string;
}

class CorsFilter implements HttpFilter {
  private readonly compiled = new WeakMap<Fields, CorsPolicy | undefined>();
  private readonly state = new WeakMap<HttpStream, StreamState>();

  constructor(
    private readonly ctx: FilterContext,
    private readonly random: () => number,
  ) {}

  private policy(config: Fields, typed: boolean): CorsPolicy | undefined {
    if (!this.compiled.has(config)) {
      let p: CorsPolicy | undefined;
      try {
        p = readCorsPolicy(config, typed);
      } catch (err) {
        // validatePerRoute rejects such a route table first; never fail a request over it.
        this.ctx.log(`cors: ignoring a bad policy: ${(err as Error).message}`);
      }
      this.compiled.set(config, p);
    }
    return this.compiled.get(config);
  }

  /** Per-route policies, most specific first; else the deprecated route/virtual host `cors`. */
  private policies(stream: HttpStream): CorsPolicy[] {
    let configs = allLevels(stream, this.ctx.name).map((c) => this.policy(c, true));
    if (configs.length === 0) {
      const routeAction = asFields(stream.route?.route.route);
      configs = [asFields(routeAction?.cors), asFields(stream.route?.virtualHost.cors)]
        .filter((c): c is Fields => c !== undefined)
        .map((c) => this.policy(c, false));
    }
    return configs.filter((p): p is CorsPolicy => p !== undefined);
  }

  private originAllowed(cors: MergedCors, origin: string): boolean {
    return cors.origins.some((m) => stringMatches(m, '*') || stringMatches(m, origin));
  }

  decodeHeaders(stream: HttpStream): FilterStatus {
    // Only routes that forward have a CORS policy (as in Envoy: not redirects or direct responses).
    const kind = stream.route?.action.kind;
    if (kind !== 'cluster' && kind !== 'weighted_clusters') return 'continue';
    const policies = this.policies(stream);
    const first = policies[0];
    if (!first) return 'continue';
    const enabled = first.filterEnabled ? fractionHit(first.filterEnabled, this.random) : true;
    const shadow = first.shadowEnabled ? fractionHit(first.shadowEnabled, this.random) : false;
    if (!enabled && !shadow) return 'continue';
    const origin = getHeader(stream.request.headers, 'origin');
    if (!origin) return 'continue';
    const cors = new MergedCors(policies);
    const allowed = this.originAllowed(cors, origin);
    // Shadow mode: the origin was evaluated (Envoy counts it); nothing is enforced.
    if (!enabled) return 'continue';
    this.state.set(stream, { cors, origin: allowed ? origin : undefined });

    const requestMethod = getHeader(stream.request.headers, 'access-control-request-method');
    if (stream.request.method !== 'OPTIONS' || !requestMethod) return 'continue';
    if (!allowed && cors.forwardNotMatchingPreflights) return 'continue';

    const headers: Headers = {};
    if (allowed) headers['access-control-allow-origin'] = origin;
    if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
    const methods = cors.allowMethods === '*' ? requestMethod : cors.allowMethods;
    if (methods) headers['access-control-allow-methods'] = methods;
    const allowHeaders = cors.allowHeaders === '*' ? (getHeader(stream.request.headers, 'access-control-request-headers') ?? '') : cors.allowHeaders;
    if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
    if (cors.maxAge) headers['access-control-max-age'] = cors.maxAge;
    if (cors.allowPrivateNetworkAccess && getHeader(stream.request.headers, 'access-control-request-private-network') === 'true') {
      headers['access-control-allow-private-network'] = 'true';
    }
    stream.sendLocalReply({ status: 200, headers, details: 'cors_response' });
    return 'stop';
  }

  encodeHeaders(stream: HttpStream, head: ResponseHead): void {
    const s = this.state.get(stream);
    if (!s?.origin) return;
    setHeader(head.headers, 'access-control-allow-origin', s.origin);
    if (s.cors.allowCredentials) setHeader(head.headers, 'access-control-allow-credentials', 'true');
    if (s.cors.exposeHeaders) setHeader(head.headers, 'access-control-expose-headers', s.cors.exposeHeaders);
  }
}

export function createCorsFilterFactory(deps: CorsFilterDeps = {}): HttpFilterFactory {
  const random = deps.random ?? Math.random;
  return {
    typeUrl: CORS_TYPE,
    create(config: Fields, ctx: FilterContext): HttpFilter {
      // The filter-level Cors message has no fields: policies come per route.
      checkType(config, CORS_TYPE);
      return new CorsFilter(ctx, random);
    },
    validatePerRoute(config: Fields): void {
      readCorsPolicy(config, true);
    },
  };
}

export const corsFilter: HttpFilterFactory = createCorsFilterFactory();
