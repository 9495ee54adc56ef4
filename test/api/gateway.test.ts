import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expectOnlyError, loadValid as loadOk } from '../helpers/config.js';
import type { GatewaySpec } from '../../src/api/networking/gateway.js';


/** Expects exactly one error, at the line marked `# <-`. */
function expectError(text: string, code: string, path: string, problem?: RegExp): void {
  expectOnlyError(text, { code, path, problem });
}

function gw(spec: string): string {
  return `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: t\nspec:${marksParent(spec) ? ' # <-' : ''}\n${spec.replace(/^ *(# <-)?\n/, '')}`;
}

/** A snippet whose first line is only the marker expects the error on the key that holds it. */
function marksParent(snippet: string): boolean {
  return /^ *# <-\n/.test(snippet);
}


/** One HTTPS server on 443 with the given tls block (indented under `tls:`). */
function httpsServer(tls: string): string {
  return gw(`
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - bookinfo.com
    tls:${marksParent(tls) ? ' # <-' : ''}
${tls.replace(/^ *(# <-)?\n/, '')}`);
}

test('the bookinfo gateway binds port 8080 for every host', () => {
  const text = readFileSync(new URL('../../../samples/bookinfo/networking/bookinfo-gateway.yaml', import.meta.url), 'utf8');
  const [gateway] = loadOk(text);
  assert.equal(gateway?.kind, 'Gateway');
  const spec = gateway!.spec as GatewaySpec;
  assert.deepEqual(spec.selector, { istio: 'ingressgateway' });
  assert.deepEqual(spec.servers[0], { port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] });
});

test('reference example: my-gateway with HTTP, HTTPS, credentials and MONGO servers', () => {
  loadOk(gw(`
  selector:
    app: my-gateway-controller
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - uk.bookinfo.com
    - eu.bookinfo.com
    tls:
      httpsRedirect: true # sends 301 redirect for http requests
  - port:
      number: 443
      name: https-443
      protocol: HTTPS
    hosts:
    - uk.bookinfo.com
    - eu.bookinfo.com
    tls:
      mode: SIMPLE # enables HTTPS on this port
      serverCertificate: /etc/certs/servercert.pem
      privateKey: /etc/certs/privatekey.pem
  - port:
      number: 9443
      name: https-9443
      protocol: HTTPS
    hosts:
    - "bookinfo-namespace/*.bookinfo.com"
    tls:
      mode: SIMPLE # enables HTTPS on this port
      credentialName: bookinfo-secret # fetches certs from Kubernetes secret
  - port:
      number: 9080
      name: http-wildcard
      protocol: HTTP
    hosts:
    - "*"
  - port:
      number: 2379 # to expose internal service via external port 2379
      name: mongo
      protocol: MONGO
    hosts:
    - "*"
`));
});

test('reference examples: passthrough, mutual, ISTIO_MUTUAL and namespace-scoped hosts', () => {
  loadOk(gw(`
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: ["*/*.bookinfo.com", "./reviews.local"]
    tls:
      mode: PASSTHROUGH
  - port: {number: 8443, name: https-mutual, protocol: HTTPS}
    hosts: ["prod/*"]
    tls:
      mode: MUTUAL
      serverCertificate: /etc/certs/server.pem
      privateKey: /etc/certs/key.pem
      caCertificates: /etc/certs/ca.pem
      subjectAltNames: [spiffe://cluster.local/ns/prod/sa/client]
      minProtocolVersion: TLSV1_2
      maxProtocolVersion: TLSV1_3
      cipherSuites: [ECDHE-ECDSA-AES128-GCM-SHA256]
  - port: {number: 15443, name: tls-auto, protocol: TLS}
    hosts: ["*.local"]
    tls:
      mode: AUTO_PASSTHROUGH
  - port: {number: 9443, name: https-optional, protocol: HTTPS}
    hosts: ["optional.example.com"]
    tls:
      mode: OPTIONAL_MUTUAL
      credentialNames: [optional-rsa, optional-ecdsa]
`));
  loadOk(gw(`
  selector:
    istio: egressgateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - edition.cnn.com
    tls:
      mode: ISTIO_MUTUAL
`));
});

// ---- invalid input: each case breaks a different rule ----

test('a gateway needs servers', () => {
  expectError(gw(`
  selector: {istio: ingressgateway}
  servers: [] # <-
`), 'INVALID_VALUE', 'spec.servers', /list is empty/);
});

test('a server needs hosts', () => {
  expectError(gw(`
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [] # <-
`), 'INVALID_VALUE', 'spec.servers[0].hosts');
});

test('a server needs a port', () => {
  expectError(gw(`
  servers:
  - hosts: ["*"] # <-
`), 'MISSING_FIELD', 'spec.servers[0].port');
});

test('protocols are the ones Istio knows', () => {
  expectError(gw(`
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP3 # <-
    hosts: ["*"]
`), 'INVALID_VALUE', 'spec.servers[0].port.protocol', /not a protocol a Gateway serves/);
});

test('port numbers are 1..65535', () => {
  expectError(gw(`
  servers:
  - port:
      number: 70000 # <-
      name: http
      protocol: HTTP
    hosts: ["*"]
`), 'INVALID_VALUE', 'spec.servers[0].port.number');
});

test('port names are unique across servers', () => {
  expectError(gw(`
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
  - port:
      number: 8080
      name: http # <-
      protocol: HTTP
    hosts: ["*"]
`), 'INVALID_VALUE', 'spec.servers[1].port.name', /already used/);
});

test('server hosts use a valid namespace', () => {
  expectError(gw(`
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts:
    - "Bad_NS/foo.com" # <-
`), 'INVALID_VALUE', 'spec.servers[0].hosts[0]', /invalid namespace/);
});

test('HTTPS servers need tls settings', () => {
  expectError(gw(`
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS # <-
    hosts: ["*"]
`), 'INVALID_VALUE', 'spec.servers[0].port.protocol', /needs tls settings/);
});

test('SIMPLE TLS needs credentials', () => {
  expectError(httpsServer(` # <-
      mode: SIMPLE
`), 'INVALID_VALUE', 'spec.servers[0].tls', /requires a server certificate/);
});

test('MUTUAL TLS with files needs a client CA bundle', () => {
  expectError(httpsServer(`
      mode: MUTUAL # <-
      serverCertificate: /etc/certs/server.pem
      privateKey: /etc/certs/key.pem
`), 'INVALID_VALUE', 'spec.servers[0].tls.caCertificates', /client CA bundle/);
});

test('ISTIO_MUTUAL cannot name credentials', () => {
  expectError(httpsServer(`
      mode: ISTIO_MUTUAL
      credentialName: my-secret # <-
`), 'INVALID_VALUE', 'spec.servers[0].tls.credentialName', /ISTIO_MUTUAL/);
});

test('certificates are given only once', () => {
  expectError(httpsServer(` # <-
      mode: SIMPLE
      credentialName: my-secret
      serverCertificate: /etc/certs/server.pem
      privateKey: /etc/certs/key.pem
`), 'INVALID_VALUE', 'spec.servers[0].tls', /more than once/);
});

test('TLS modes are an enum', () => {
  expectError(httpsServer(`
      mode: STRICT # <-
`), 'INVALID_VALUE', 'spec.servers[0].tls.mode', /is not allowed/);
});

test('TLS protocol versions are an enum', () => {
  expectError(httpsServer(`
      mode: SIMPLE
      credentialName: my-secret
      minProtocolVersion: TLSV1_4 # <-
`), 'INVALID_VALUE', 'spec.servers[0].tls.minProtocolVersion');
});

test('a TCP server cannot have tls settings', () => {
  expectError(gw(`
  servers:
  - port: {number: 2379, name: mongo, protocol: TCP}
    hosts: ["*"]
    tls: # <-
      httpsRedirect: true
`), 'INVALID_VALUE', 'spec.servers[0].tls', /cannot have tls settings/);
});

test('bind is an IP address or a unix socket', () => {
  expectError(gw(`
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    bind: localhost # <-
    hosts: ["*"]
`), 'INVALID_VALUE', 'spec.servers[0].bind', /not an IP address/);
});

test('caCrl is not for SIMPLE TLS', () => {
  expectError(httpsServer(`
      mode: SIMPLE
      serverCertificate: /etc/certs/server.pem
      privateKey: /etc/certs/key.pem
      caCrl: /etc/certs/crl.pem # <-
`), 'INVALID_VALUE', 'spec.servers[0].tls.caCrl', /SIMPLE/);
});

test('selector labels are validated', () => {
  expectError(gw(`
  selector:
    istio: "ingress gateway" # <-
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`), 'INVALID_VALUE', 'spec.selector.istio', /not a valid label value/);
});
