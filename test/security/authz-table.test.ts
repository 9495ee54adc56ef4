// AuthorizationPolicy semantics as a table, each case run through the real pipeline
// (authz-fixture.ts): Istio YAML → manager translation → encoded/decoded RBAC config → the
// proxy's RBAC filter on a request. Cases follow Istio's AuthorizationPolicy reference: evaluation
// order, defaults, every from/to field and its not* form, when conditions, and the path tricks
// each MeshConfig pathNormalization option does (and does not) stop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enforce, enforcerFor, type Req, type Workload } from './authz-fixture.js';

type Action = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** One AuthorizationPolicy document; `body` is YAML under spec (indented by the caller's two spaces). */
function ap(name: string, action: Action | undefined, body: string, o: { ns?: string; selector?: string; annotations?: string } = {}): string {
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: ${o.ns ?? 'foo'}
${o.annotations ? `  annotations: ${o.annotations}\n` : ''}spec:
${o.selector ?? '  selector: {matchLabels: {app: httpbin}}'}
${action ? `  action: ${action}\n` : ''}${action === 'CUSTOM' ? '  provider: {name: ext-authz}\n' : ''}${body}
---
`;
}

const allow = (rule: string, o = {}) => ap('allow', 'ALLOW', `  rules:\n  - ${rule}`, o);
const deny = (rule: string, o = {}) => ap('deny', 'DENY', `  rules:\n  - ${rule}`, o);

const FOO_BAR = 'cluster.local/ns/foo/sa/bar';
const BAR_X = 'cluster.local/ns/bar/sa/x';
const JWT = { 'request.auth.principal': 'https://issuer.example/alice', 'request.auth.audiences': ['api', 'web'], 'request.auth.presenter': 'frontend', 'request.auth.claims': { groups: ['admins', 'dev'], iss: 'https://issuer.example', org: { team: 'payments' } } };

interface Case {
  name: string;
  yaml: string;
  req: Req;
  expect: 'allow' | 'deny' | 'rejected' | 'redirect';
  workload?: Workload;
}

const CASES: Case[] = [
  // Evaluation order and defaults
  { name: 'no policy: allowed', yaml: '', req: {}, expect: 'allow' },
  { name: 'ALLOW with no rules denies everything', yaml: ap('nothing', 'ALLOW', ''), req: {}, expect: 'deny' },
  { name: 'policy without action is ALLOW', yaml: ap('nothing', undefined, ''), req: {}, expect: 'deny' },
  { name: 'ALLOW rules: [{}] allows everything', yaml: ap('all', 'ALLOW', '  rules:\n  - {}'), req: {}, expect: 'allow' },
  { name: 'DENY rules: [{}] denies everything', yaml: ap('all', 'DENY', '  rules:\n  - {}'), req: {}, expect: 'deny' },
  { name: 'DENY wins over a matching ALLOW', yaml: allow('{}') + deny('to: [{operation: {paths: ["/admin"]}}]'), req: { path: '/admin' }, expect: 'deny' },
  { name: 'ALLOW applies when DENY does not match', yaml: allow('{}') + deny('to: [{operation: {paths: ["/admin"]}}]'), req: { path: '/public' }, expect: 'allow' },
  { name: 'ALLOW present but no rule matches: denied', yaml: allow('to: [{operation: {paths: ["/a"]}}]'), req: { path: '/b' }, expect: 'deny' },
  { name: 'ALLOW for another workload does not apply', yaml: allow('to: [{operation: {paths: ["/a"]}}]', { selector: '  selector: {matchLabels: {app: other}}' }), req: { path: '/b' }, expect: 'allow' },
  { name: 'ALLOW in another namespace does not apply', yaml: allow('to: [{operation: {paths: ["/a"]}}]', { ns: 'bar', selector: '' }), req: { path: '/b' }, expect: 'allow' },
  { name: 'namespace-wide policy (no selector) applies', yaml: deny('to: [{operation: {paths: ["/a"]}}]', { selector: '' }), req: { path: '/a' }, expect: 'deny' },
  { name: 'root-namespace DENY applies to every namespace', yaml: deny('to: [{operation: {paths: ["/a"]}}]', { ns: 'isthmus-system', selector: '' }), req: { path: '/a' }, expect: 'deny' },
  { name: 'AUDIT never denies', yaml: ap('audit', 'AUDIT', '  rules:\n  - {}'), req: {}, expect: 'allow' },
  { name: 'CUSTOM without ext_authz fails closed on its rules', yaml: ap('ext', 'CUSTOM', '  rules:\n  - to: [{operation: {paths: ["/secure/*"]}}]'), req: { path: '/secure/x' }, expect: 'deny' },
  { name: 'CUSTOM does not touch requests outside its rules', yaml: ap('ext', 'CUSTOM', '  rules:\n  - to: [{operation: {paths: ["/secure/*"]}}]'), req: { path: '/open' }, expect: 'allow' },
  { name: 'dry-run DENY is not enforced', yaml: ap('dry', 'DENY', '  rules:\n  - {}', { annotations: '{istio.io/dry-run: "true"}' }), req: {}, expect: 'allow' },
  { name: 'multiple rules are ORed', yaml: allow('to: [{operation: {paths: ["/a"]}}]\n  - to: [{operation: {paths: ["/b"]}}]'), req: { path: '/b' }, expect: 'allow' },

  // from: principals
  { name: 'principals exact: match', yaml: allow(`from: [{source: {principals: ["${FOO_BAR}"]}}]`), req: { peer: FOO_BAR }, expect: 'allow' },
  { name: 'principals exact: other identity', yaml: allow(`from: [{source: {principals: ["${FOO_BAR}"]}}]`), req: { peer: BAR_X }, expect: 'deny' },
  { name: 'principals prefix', yaml: allow('from: [{source: {principals: ["cluster.local/ns/foo/*"]}}]'), req: { peer: FOO_BAR }, expect: 'allow' },
  { name: 'principals suffix', yaml: allow('from: [{source: {principals: ["*/sa/bar"]}}]'), req: { peer: FOO_BAR }, expect: 'allow' },
  { name: 'principals "*" refuses plaintext', yaml: allow('from: [{source: {principals: ["*"]}}]'), req: {}, expect: 'deny' },
  { name: 'principals "*" accepts any mTLS peer', yaml: allow('from: [{source: {principals: ["*"]}}]'), req: { peer: BAR_X }, expect: 'allow' },
  { name: 'notPrincipals: another identity denied', yaml: deny(`from: [{source: {notPrincipals: ["${FOO_BAR}"]}}]`), req: { peer: BAR_X }, expect: 'deny' },
  { name: 'notPrincipals: the named identity passes', yaml: deny(`from: [{source: {notPrincipals: ["${FOO_BAR}"]}}]`), req: { peer: FOO_BAR }, expect: 'allow' },
  { name: 'notPrincipals: plaintext is "not" the identity', yaml: deny(`from: [{source: {notPrincipals: ["${FOO_BAR}"]}}]`), req: {}, expect: 'deny' },
  // requestPrincipals
  { name: 'requestPrincipals exact', yaml: allow('from: [{source: {requestPrincipals: ["https://issuer.example/alice"]}}]'), req: { authn: JWT }, expect: 'allow' },
  { name: 'requestPrincipals without a token', yaml: allow('from: [{source: {requestPrincipals: ["*"]}}]'), req: {}, expect: 'deny' },
  { name: 'requestPrincipals prefix', yaml: allow('from: [{source: {requestPrincipals: ["https://issuer.example/*"]}}]'), req: { authn: JWT }, expect: 'allow' },
  { name: 'notRequestPrincipals "*" DENY requires a token: none', yaml: deny('from: [{source: {notRequestPrincipals: ["*"]}}]'), req: {}, expect: 'deny' },
  { name: 'notRequestPrincipals "*" DENY requires a token: present', yaml: deny('from: [{source: {notRequestPrincipals: ["*"]}}]'), req: { authn: JWT }, expect: 'allow' },
  // namespaces / serviceAccounts
  { name: 'namespaces: peer in it', yaml: allow('from: [{source: {namespaces: ["foo"]}}]'), req: { peer: FOO_BAR }, expect: 'allow' },
  { name: 'namespaces: peer elsewhere', yaml: allow('from: [{source: {namespaces: ["foo"]}}]'), req: { peer: BAR_X }, expect: 'deny' },
  { name: 'namespaces prefix', yaml: allow('from: [{source: {namespaces: ["ba*"]}}]'), req: { peer: BAR_X }, expect: 'allow' },
  { name: 'namespaces: "foo" is not "foobar"', yaml: allow('from: [{source: {namespaces: ["foo"]}}]'), req: { peer: 'cluster.local/ns/foobar/sa/x' }, expect: 'deny' },
  { name: 'notNamespaces DENY: foreign peer', yaml: deny('from: [{source: {notNamespaces: ["foo"]}}]'), req: { peer: BAR_X }, expect: 'deny' },
  { name: 'notNamespaces DENY: own namespace passes', yaml: deny('from: [{source: {notNamespaces: ["foo"]}}]'), req: { peer: FOO_BAR }, expect: 'allow' },
  { name: 'serviceAccounts in the policy namespace', yaml: allow('from: [{source: {serviceAccounts: ["bar"]}}]'), req: { peer: FOO_BAR }, expect: 'allow' },
  { name: 'serviceAccounts ns/sa', yaml: allow('from: [{source: {serviceAccounts: ["bar/x"]}}]'), req: { peer: FOO_BAR }, expect: 'deny' },
  { name: 'notServiceAccounts DENY', yaml: deny('from: [{source: {notServiceAccounts: ["bar"]}}]'), req: { peer: BAR_X }, expect: 'deny' },
  // ipBlocks / remoteIpBlocks
  { name: 'ipBlocks CIDR match', yaml: allow('from: [{source: {ipBlocks: ["10.1.0.0/16"]}}]'), req: { remoteAddress: '10.1.2.3' }, expect: 'allow' },
  { name: 'ipBlocks single address miss', yaml: allow('from: [{source: {ipBlocks: ["10.1.2.4"]}}]'), req: { remoteAddress: '10.1.2.3' }, expect: 'deny' },
  { name: 'ipBlocks reads an IPv4-mapped peer', yaml: allow('from: [{source: {ipBlocks: ["10.1.2.3"]}}]'), req: { remoteAddress: '::ffff:10.1.2.3' }, expect: 'allow' },
  { name: 'ipBlocks IPv6', yaml: allow('from: [{source: {ipBlocks: ["2001:db8::/32"]}}]'), req: { remoteAddress: '2001:db8::7' }, expect: 'allow' },
  { name: 'notIpBlocks DENY', yaml: deny('from: [{source: {notIpBlocks: ["10.0.0.0/8"]}}]'), req: { remoteAddress: '192.168.1.1' }, expect: 'deny' },
  { name: 'ipBlocks ignore x-forwarded-for', yaml: allow('from: [{source: {ipBlocks: ["203.0.113.0/24"]}}]'), req: { headers: { 'x-forwarded-for': '203.0.113.7' } }, expect: 'deny' },
  { name: 'remoteIpBlocks read x-forwarded-for', yaml: allow('from: [{source: {remoteIpBlocks: ["203.0.113.0/24"]}}]'), req: { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' } }, expect: 'allow' },
  { name: 'remoteIpBlocks without XFF use the peer', yaml: allow('from: [{source: {remoteIpBlocks: ["203.0.113.0/24"]}}]'), req: {}, expect: 'deny' },
  { name: 'remoteIpBlocks at a gateway trust only the peer', yaml: allow('from: [{source: {remoteIpBlocks: ["203.0.113.0/24"]}}]'), req: { headers: { 'x-forwarded-for': '203.0.113.7' }, direction: 'gateway' }, expect: 'deny' },
  { name: 'notRemoteIpBlocks DENY', yaml: deny('from: [{source: {notRemoteIpBlocks: ["203.0.113.0/24"]}}]'), req: { headers: { 'x-forwarded-for': '198.51.100.1' } }, expect: 'deny' },
  { name: 'fields of one source are ANDed', yaml: allow(`from: [{source: {principals: ["${FOO_BAR}"], ipBlocks: ["10.9.0.0/16"]}}]`), req: { peer: FOO_BAR }, expect: 'deny' },
  { name: 'sources are ORed', yaml: allow(`from: [{source: {principals: ["${FOO_BAR}"]}}, {source: {ipBlocks: ["10.1.0.0/16"]}}]`), req: {}, expect: 'allow' },

  // to: hosts, ports, methods, paths
  { name: 'hosts are case-insensitive', yaml: allow('to: [{operation: {hosts: ["Example.COM"]}}]'), req: { authority: 'example.com' }, expect: 'allow' },
  { name: 'hosts exact does not cover a port (Istio)', yaml: allow('to: [{operation: {hosts: ["example.com"]}}]'), req: { authority: 'example.com:8080' }, expect: 'deny' },
  { name: 'hosts "host:*" covers any port', yaml: allow('to: [{operation: {hosts: ["example.com:*"]}}]'), req: { authority: 'example.com:8080' }, expect: 'allow' },
  { name: 'hosts suffix wildcard', yaml: allow('to: [{operation: {hosts: ["*.example.com"]}}]'), req: { authority: 'api.example.com' }, expect: 'allow' },
  { name: 'notHosts DENY', yaml: deny('to: [{operation: {notHosts: ["example.com"]}}]'), req: { authority: 'evil.test' }, expect: 'deny' },
  { name: 'ports match the destination port', yaml: allow('to: [{operation: {ports: ["8080"]}}]'), req: { localPort: 8080 }, expect: 'allow' },
  { name: 'ports miss', yaml: allow('to: [{operation: {ports: ["9090"]}}]'), req: { localPort: 8080 }, expect: 'deny' },
  { name: 'notPorts DENY', yaml: deny('to: [{operation: {notPorts: ["8080"]}}]'), req: { localPort: 9090 }, expect: 'deny' },
  { name: 'methods miss', yaml: allow('to: [{operation: {methods: ["GET"]}}]'), req: { method: 'POST' }, expect: 'deny' },
  { name: 'notMethods DENY', yaml: deny('to: [{operation: {notMethods: ["GET", "HEAD"]}}]'), req: { method: 'DELETE' }, expect: 'deny' },
  { name: 'notMethods DENY lets GET through', yaml: deny('to: [{operation: {notMethods: ["GET", "HEAD"]}}]'), req: { method: 'GET' }, expect: 'allow' },
  { name: 'paths exact ignores the query string', yaml: deny('to: [{operation: {paths: ["/admin"]}}]'), req: { path: '/admin?debug=1' }, expect: 'deny' },
  { name: 'paths prefix "/api/*"', yaml: allow('to: [{operation: {paths: ["/api/*"]}}]'), req: { path: '/api/v1/items' }, expect: 'allow' },
  { name: 'paths prefix "/api/*" is not "/apix"', yaml: allow('to: [{operation: {paths: ["/api/*"]}}]'), req: { path: '/apix' }, expect: 'deny' },
  { name: 'paths suffix "*.png"', yaml: allow('to: [{operation: {paths: ["*.png"]}}]'), req: { path: '/img/a.png' }, expect: 'allow' },
  { name: 'paths presence "*"', yaml: allow('to: [{operation: {paths: ["*"]}}]'), req: { path: '/x' }, expect: 'allow' },
  { name: 'paths template {*}', yaml: allow('to: [{operation: {paths: ["/api/{*}/items"]}}]'), req: { path: '/api/v2/items' }, expect: 'allow' },
  { name: 'paths template {*} is one segment', yaml: allow('to: [{operation: {paths: ["/api/{*}/items"]}}]'), req: { path: '/api/v2/x/items' }, expect: 'deny' },
  { name: 'paths template {**}', yaml: allow('to: [{operation: {paths: ["/api/{**}"]}}]'), req: { path: '/api/a/b/c' }, expect: 'allow' },
  { name: 'notPaths DENY', yaml: deny('to: [{operation: {notPaths: ["/public/*"]}}]'), req: { path: '/private' }, expect: 'deny' },
  { name: 'operations are ORed, fields ANDed', yaml: allow('to: [{operation: {methods: ["GET"], paths: ["/a"]}}, {operation: {methods: ["POST"]}}]'), req: { method: 'GET', path: '/b' }, expect: 'deny' },

  // when
  { name: 'request.headers values', yaml: allow('when: [{key: "request.headers[x-user]", values: ["alice"]}]'), req: { headers: { 'x-user': 'alice' } }, expect: 'allow' },
  { name: 'request.headers one of repeated values', yaml: allow('when: [{key: "request.headers[x-user]", values: ["alice"]}]'), req: { headers: { 'x-user': ['bob', 'alice'] } }, expect: 'allow' },
  { name: 'request.headers is not a substring match', yaml: allow('when: [{key: "request.headers[x-user]", values: ["alice"]}]'), req: { headers: { 'x-user': 'malice' } }, expect: 'deny' },
  { name: 'request.headers notValues', yaml: allow('when: [{key: "request.headers[x-user]", notValues: ["mallory"]}]'), req: { headers: { 'x-user': 'mallory' } }, expect: 'deny' },
  { name: 'source.ip', yaml: allow('when: [{key: source.ip, values: ["10.1.2.0/24"]}]'), req: {}, expect: 'allow' },
  { name: 'remote.ip notValues', yaml: deny('when: [{key: remote.ip, notValues: ["198.51.100.0/24"]}]'), req: { headers: { 'x-forwarded-for': '203.0.113.9' } }, expect: 'deny' },
  { name: 'source.namespace', yaml: allow('when: [{key: source.namespace, values: ["bar"]}]'), req: { peer: BAR_X }, expect: 'allow' },
  { name: 'source.principal notValues', yaml: deny(`when: [{key: source.principal, notValues: ["${FOO_BAR}"]}]`), req: { peer: BAR_X }, expect: 'deny' },
  { name: 'request.auth.claims list claim', yaml: allow('when: [{key: "request.auth.claims[groups]", values: ["admins"]}]'), req: { authn: JWT }, expect: 'allow' },
  { name: 'request.auth.claims string claim', yaml: allow('when: [{key: "request.auth.claims[iss]", values: ["https://issuer.example"]}]'), req: { authn: JWT }, expect: 'allow' },
  { name: 'request.auth.claims nested', yaml: allow('when: [{key: "request.auth.claims[org][team]", values: ["payments"]}]'), req: { authn: JWT }, expect: 'allow' },
  { name: 'request.auth.claims notValues', yaml: deny('when: [{key: "request.auth.claims[groups]", notValues: ["admins"]}]'), req: { authn: JWT }, expect: 'allow' },
  { name: 'request.auth.audiences', yaml: allow('when: [{key: request.auth.audiences, values: ["web"]}]'), req: { authn: JWT }, expect: 'allow' },
  { name: 'request.auth.presenter miss', yaml: allow('when: [{key: request.auth.presenter, values: ["cli"]}]'), req: { authn: JWT }, expect: 'deny' },
  { name: 'request.auth.principal', yaml: allow('when: [{key: request.auth.principal, values: ["*/alice"]}]'), req: { authn: JWT }, expect: 'allow' },
  { name: 'destination.ip', yaml: allow('when: [{key: destination.ip, values: ["10.9.8.7"]}]'), req: {}, expect: 'allow' },
  { name: 'destination.port notValues', yaml: deny('when: [{key: destination.port, notValues: ["8080"]}]'), req: { localPort: 9000 }, expect: 'deny' },
  { name: 'connection.sni', yaml: allow('when: [{key: connection.sni, values: ["*.example.com"]}]'), req: { sni: 'api.example.com' }, expect: 'allow' },
  { name: 'when ANDs with from', yaml: allow(`from: [{source: {namespaces: ["foo"]}}]\n    when: [{key: "request.headers[x-user]", values: ["alice"]}]`), req: { peer: FOO_BAR }, expect: 'deny' },
];

/** The path tricks against `DENY paths: ["/admin", "/admin/*"]`, per MeshConfig pathNormalization. */
const TRICKS: Array<{ path: string; NONE: string; BASE: string; MERGE_SLASHES: string; DECODE_AND_MERGE_SLASHES: string }> = [
  { path: '/admin', NONE: 'deny', BASE: 'deny', MERGE_SLASHES: 'deny', DECODE_AND_MERGE_SLASHES: 'deny' },
  { path: '//admin', NONE: 'allow', BASE: 'allow', MERGE_SLASHES: 'deny', DECODE_AND_MERGE_SLASHES: 'deny' },
  { path: '/./admin', NONE: 'allow', BASE: 'deny', MERGE_SLASHES: 'deny', DECODE_AND_MERGE_SLASHES: 'deny' },
  { path: '/a/../admin', NONE: 'allow', BASE: 'deny', MERGE_SLASHES: 'deny', DECODE_AND_MERGE_SLASHES: 'deny' },
  { path: '/%2e%2e/admin', NONE: 'allow', BASE: 'deny', MERGE_SLASHES: 'deny', DECODE_AND_MERGE_SLASHES: 'deny' },
  { path: '/%61dmin', NONE: 'allow', BASE: 'deny', MERGE_SLASHES: 'deny', DECODE_AND_MERGE_SLASHES: 'deny' },
  { path: '/admin\\..\\admin', NONE: 'allow', BASE: 'deny', MERGE_SLASHES: 'deny', DECODE_AND_MERGE_SLASHES: 'deny' },
  { path: '/%2Fadmin', NONE: 'allow', BASE: 'allow', MERGE_SLASHES: 'allow', DECODE_AND_MERGE_SLASHES: 'deny' },
  { path: '/admin%2fusers', NONE: 'allow', BASE: 'allow', MERGE_SLASHES: 'allow', DECODE_AND_MERGE_SLASHES: 'deny' },
  // Case is never normalized, by Envoy or Istio: a case-insensitive app behind a rule on
  // `/admin` needs the rule to list `/ADMIN` too (or an ALLOW list instead of a DENY list).
  { path: '/ADMIN', NONE: 'allow', BASE: 'allow', MERGE_SLASHES: 'allow', DECODE_AND_MERGE_SLASHES: 'allow' },
];

describe('AuthorizationPolicy table (manager translation → proxy RBAC filter)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const e = enforcerFor(c.yaml, c.workload);
      const out = await enforce(e, c.req);
      assert.equal(out.verdict, c.expect, `${c.name}: ${JSON.stringify(out)}`);
      if (out.verdict === 'deny') {
        assert.equal(out.status, 403);
        assert.equal(out.body, 'RBAC: access denied');
        assert.match(out.details ?? '', /^rbac_access_denied_matched_policy\[.+\]$/);
      }
    });
  }

  const adminDeny = deny('to: [{operation: {paths: ["/admin", "/admin/*"]}}]');
  for (const mode of ['NONE', 'BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES'] as const) {
    for (const t of TRICKS) {
      it(`pathNormalization ${mode}: ${t.path} is ${t[mode] === 'deny' ? 'blocked' : 'not blocked'}`, async () => {
        const e = enforcerFor(adminDeny, { mesh: { pathNormalization: { normalization: mode } } });
        const out = await enforce(e, { path: t.path });
        assert.equal(out.verdict, t[mode], JSON.stringify(out));
      });
    }
  }

  it('the default (no MeshConfig setting) is BASE', async () => {
    const e = enforcerFor(deny('to: [{operation: {paths: ["/admin"]}}]'));
    assert.equal((await enforce(e, { path: '/a/../admin' })).verdict, 'deny');
    assert.equal((await enforce(e, { path: '//admin' })).verdict, 'allow');
  });

  it('names the matched policy and logs audits and CUSTOM denials', async () => {
    const e = enforcerFor(ap('audit', 'AUDIT', '  rules:\n  - {}') + ap('ext', 'CUSTOM', '  rules:\n  - to: [{operation: {paths: ["/x"]}}]'));
    const out = await enforce(e, { path: '/x' });
    assert.equal(out.details, 'rbac_access_denied_matched_policy[ns[foo]-policy[ext]-rule[0]]');
    assert.ok(e.logs.some((l) => l.includes('audit') && l.includes('ns[foo]-policy[audit]-rule[0]')), e.logs.join('\n'));
    assert.ok(e.logs.some((l) => l.includes('istio_custom_no_provider_denied')), e.logs.join('\n'));
  });

  it('has at least 60 cases', () => {
    assert.ok(CASES.length + TRICKS.length * 4 >= 60);
  });
});
