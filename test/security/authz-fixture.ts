// The authorization pipeline end to end without sockets: Istio YAML → the manager's model and
// translation (which policies apply to the workload, RBAC filters, path normalization fields) →
// the real protobuf encoding and the xDS client's decoding → the proxy's RBAC filter factory →
// decodeHeaders on a stream with a real PeerIdentity, JWT facts and connection addresses.
import type { MeshConfigSpec } from '../../src/api/mesh/mesh-config.js';
import { decodeAny } from '../../src/control/xds/protos.js';
import { authzHcmOptions } from '../../src/control/translate/authz.js';
import { translateContext } from '../../src/control/translate/context.js';
import type { TypeUrl } from '../../src/control/xds/resource.js';
import type { HttpFilter } from '../../src/proxy/http/filter.js';
import { rbacFilter } from '../../src/proxy/http/filters/rbac.js';
import { applyPathNormalization, readPathNormalization, type PathNormalization } from '../../src/proxy/http/path-normalization.js';
import type { Fields, PeerIdentity } from '../../src/proxy/http/stream.js';
import { encodeResource } from '../control/translate/envoy-codec.js';
import { proxy, world } from '../control/model/world.js';
import { fakeStream, filterContext, type FakeStream } from '../proxy/http/filters/fake-stream.js';

export interface Workload {
  namespace?: string;
  labels?: Record<string, string>;
  type?: 'sidecar' | 'router';
  mesh?: MeshConfigSpec;
}

export interface Enforcer {
  filters: HttpFilter[];
  normalization: PathNormalization;
  logs: string[];
}

/** What the proxy receives for the workload: RBAC filters built from decoded typed_configs, and the HCM's normalization. */
export function enforcerFor(yaml: string, w: Workload = {}): Enforcer {
  const push = world(yaml, { mesh: w.mesh ?? {} });
  const node = proxy(w.type ?? 'sidecar', w.namespace ?? 'foo', w.labels ?? { app: 'httpbin' });
  const { rbac, hcmFields } = authzHcmOptions(translateContext(node, push));
  const logs: string[] = [];
  const filters = rbac.map((f) => {
    const typed = f.typed_config as Fields;
    const { '@type': typeUrl, ...value } = typed;
    const bytes = encodeResource({ name: 'rbac', typeUrl: typeUrl as TypeUrl, value });
    const decoded = decodeAny({ type_url: String(typeUrl), value: bytes });
    const ctx = filterContext(String(f.name));
    ctx.log = (line) => logs.push(line);
    return rbacFilter.create(decoded, ctx);
  });
  // The HCM's normalization fields take the same trip, inside an HttpConnectionManager.
  const hcmType = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
  const hcm = decodeAny({ type_url: hcmType, value: encodeResource({ name: 'hcm', typeUrl: hcmType as TypeUrl, value: { stat_prefix: 'inbound', ...hcmFields } }) });
  return { filters, normalization: readPathNormalization(hcm, 'hcm'), logs };
}

export interface Req {
  method?: string;
  path?: string;
  authority?: string;
  headers?: Record<string, string | string[]>;
  /** The mTLS peer's identity without `spiffe://`, e.g. `cluster.local/ns/foo/sa/bar`. */
  peer?: string;
  remoteAddress?: string;
  localAddress?: string;
  localPort?: number;
  sni?: string;
  /** The JWT facts (istio_authn) the jwt_authn filter would leave. */
  authn?: Record<string, unknown>;
  direction?: 'inbound' | 'gateway';
}

export function peerIdentity(id: string): PeerIdentity {
  return { uriSans: [`spiffe://${id}`], dnsSans: [], subject: 'O=isthmus-test' };
}

export function requestStream(r: Req): FakeStream {
  const s = fakeStream({ method: r.method ?? 'GET', path: r.path ?? '/', authority: r.authority ?? 'example.com', headers: r.headers ?? {} });
  Object.assign(s.downstream, {
    remoteAddress: r.remoteAddress ?? '10.1.2.3',
    localAddress: r.localAddress ?? '10.9.8.7',
    localPort: r.localPort ?? 8080,
    tls: r.peer !== undefined || r.sni !== undefined,
    ...(r.sni ? { serverName: r.sni } : {}),
    ...(r.peer ? { peer: peerIdentity(r.peer) } : {}),
  });
  if (r.direction) (s as unknown as { direction: string }).direction = r.direction;
  if (r.authn) s.filterState.set('istio_authn', r.authn);
  return s;
}

export interface Outcome {
  verdict: 'allow' | 'deny' | 'rejected' | 'redirect';
  status?: number;
  details?: string;
  body?: string;
  path: string;
}

/** The connection manager's path step, then the RBAC filters in order, as the proxy runs them. */
export async function enforce(e: Enforcer, r: Req): Promise<Outcome> {
  const s = requestStream(r);
  const early = applyPathNormalization(s.request, e.normalization);
  if (early) return { verdict: early.status === 307 ? 'redirect' : 'rejected', status: early.status, details: early.details, path: s.request.path };
  for (const f of e.filters) {
    if ((await f.decodeHeaders?.(s)) === 'stop') {
      const l = s.localReply;
      return { verdict: 'deny', path: s.request.path, ...(l ? { status: l.status, details: l.details, body: l.body } : {}) };
    }
  }
  return { verdict: 'allow', path: s.request.path };
}
