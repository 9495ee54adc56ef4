// The SDS names `default` and `ROOTCA` resolved from the identity agent's in-memory store: refused
// with the reason on a proxy without an identity; with one, a real mutual-TLS handshake between
// the proxy's upstream origination and its downstream termination, both built from ISTIO_MUTUAL
// contexts; and a rotation reaching new connections while an open one keeps going.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { FileKeyProvider, installMeshSecrets, MeshSecretStore } from '../../../src/proxy/identity/index.js';
import { peerIdentity } from '../../../src/proxy/http/peer-identity.js';
import { DownstreamTlsMaterial, TlsAcceptor } from '../../../src/proxy/listener/downstream-tls.js';
import { DOWNSTREAM_TLS_CONTEXT_TYPE, readDownstreamTls } from '../../../src/proxy/listener/tls-termination.js';
import { localSdsSecret } from '../../../src/proxy/upstream/sds-local.js';
import { readUpstreamTls, TlsOrigination, UPSTREAM_TLS_CONTEXT_TYPE } from '../../../src/proxy/upstream/tls-origination.js';
import { makeTestCa, type TestCa } from './test-ca.js';

const SPIFFE = 'spiffe://cluster.local/ns/shop/sa/cart';

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail('accepted');
}

/** Puts a fresh workload certificate from `ca` into `store`; returns its serial. */
async function issue(store: MeshSecretStore, ca: TestCa): Promise<string> {
  const key = await new FileKeyProvider().newKey('ECDSA_P256');
  const [leaf, root] = await ca.sign(await key.createCsr(SPIFFE), new Date(Date.now() - 1000), new Date(Date.now() + 3600_000));
  const serial = new (await import('node:crypto')).X509Certificate(leaf!).serialNumber;
  store.setRootBundle(root!);
  store.setWorkloadCertificate({ chainPem: leaf!, key: key.secureContextKey(), spiffeId: SPIFFE, notBefore: new Date(), notAfter: new Date(Date.now() + 3600_000), serial });
  return serial;
}

const INBOUND_MTLS = {
  transport_socket: {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': DOWNSTREAM_TLS_CONTEXT_TYPE,
      common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'default' }], validation_context_sds_secret_config: { name: 'ROOTCA' }, alpn_protocols: ['istio-peer-exchange', 'istio'] },
      require_client_certificate: { value: true },
    },
  },
};

const OUTBOUND_ISTIO_MUTUAL = {
  transport_socket: {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': UPSTREAM_TLS_CONTEXT_TYPE,
      sni: 'outbound_.80_._.cart.shop.svc.cluster.local',
      common_tls_context: {
        alpn_protocols: ['istio'],
        tls_certificate_sds_secret_configs: [{ name: 'default' }],
        combined_validation_context: {
          default_validation_context: { match_subject_alt_names: [{ exact: SPIFFE }] },
          validation_context_sds_secret_config: { name: 'ROOTCA' },
        },
      },
    },
  },
};

test('without a workload identity, default and ROOTCA are refused, telling the operator to use --ca-address', () => {
  installMeshSecrets(undefined);
  assert.match(rejection(() => localSdsSecret({ name: 'default' }, 'x', 'tls_certificate')), /SDS secret "default" \(ISTIO_MUTUAL\): the proxy has no workload identity; start it with --ca-address/);
  assert.match(rejection(() => readDownstreamTls(INBOUND_MTLS, 'filter_chains[0]', [])), /validation_context_sds_secret_config.name: SDS secret "ROOTCA"|tls_certificate_sds_secret_configs\[0\].name: SDS secret "default"/);
  assert.match(rejection(() => readUpstreamTls(OUTBOUND_ISTIO_MUTUAL)), /start it with --ca-address/);
});

test('with an identity: mesh names resolve to the store, and a name in the wrong place is refused', (t) => {
  installMeshSecrets(new MeshSecretStore());
  t.after(() => installMeshSecrets(undefined));
  assert.deepEqual(localSdsSecret({ name: 'default' }, 'x', 'tls_certificate'), { kind: 'tls_certificate', chain: { sds: 'default' }, key: { sds: 'default' } });
  assert.deepEqual(localSdsSecret({ name: 'ROOTCA' }, 'x', 'validation_context'), { kind: 'validation_context', trustedCa: { sds: 'ROOTCA' } });
  assert.match(rejection(() => localSdsSecret({ name: 'ROOTCA' }, 'x', 'tls_certificate')), /ROOTCA" is the mesh trust bundle, but this field wants a certificate/);
  assert.match(rejection(() => localSdsSecret({ name: 'default' }, 'x', 'validation_context')), /"default" is the workload certificate, but this field wants a validation context/);
  // Before the first certificate arrives the origination fails with the reason (the proxy is not ready yet).
  const origination = TlsOrigination.fromCluster(OUTBOUND_ISTIO_MUTUAL);
  t.after(() => origination?.close());
  assert.match(origination?.failure ?? '', /SDS secret "ROOTCA": not received from the mesh CA yet/);
});

test('ISTIO_MUTUAL both ways: a real mTLS handshake, the peer SPIFFE ID; a rotation reaches new connections, not open ones', async (t) => {
  const ca = await makeTestCa();
  const store = new MeshSecretStore();
  installMeshSecrets(store);
  t.after(() => installMeshSecrets(undefined));
  const first = await issue(store, ca);

  const settings = readDownstreamTls(INBOUND_MTLS, 'filter_chains[0]', [])!;
  const material = new DownstreamTlsMaterial(settings);
  const peers: (string | undefined)[] = [];
  const failures: string[] = [];
  const acceptor = new TlsAcceptor(material, {
    secure: (s) => {
      peers.push(peerIdentity(s)?.uriSans[0]);
      s.on('data', (d) => s.write(d));
      s.on('error', () => s.destroy());
    },
    failed: (reason) => failures.push(reason),
  });
  const raws = new Set<net.Socket>();
  const server = net.createServer((raw) => {
    raws.add(raw);
    raw.on('close', () => raws.delete(raw));
    raw.on('error', () => raw.destroy());
    acceptor.accept(raw);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => {
    for (const s of raws) s.destroy();
    server.close(() => r());
  }));
  const port = (server.address() as net.AddressInfo).port;

  const origination = TlsOrigination.fromCluster(OUTBOUND_ISTIO_MUTUAL)!;
  t.after(() => origination.close());
  assert.equal(origination.failure, undefined);
  let changes = 0;
  origination.onChange(() => changes++);

  const connect = () => new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ ...origination.connectOptions(undefined), host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  const echo = (s: tls.TLSSocket, text: string) => new Promise<string>((resolve) => {
    s.once('data', (d) => resolve(d.toString()));
    s.write(text);
  });

  const a = await connect();
  t.after(() => a.destroy());
  assert.equal(a.alpnProtocol, 'istio');
  assert.equal(a.getPeerCertificate().serialNumber, first);
  assert.equal(await echo(a, 'one'), 'one');
  assert.deepEqual(peers, [SPIFFE]);

  const second = await issue(store, ca);
  assert.equal(changes, 1, 'the origination rebuilt once: default changed, ROOTCA (the same roots) did not');
  const b = await connect();
  t.after(() => b.destroy());
  assert.equal(b.getPeerCertificate().serialNumber, second, 'a new connection gets the new certificate');
  assert.equal(await echo(a, 'still'), 'still', 'the open connection keeps going');
  assert.equal(a.getPeerCertificate().serialNumber, first);
  assert.deepEqual(failures, []);

  // No client certificate: refused (require_client_certificate).
  const bare = tls.connect({ host: '127.0.0.1', port, ca: store.rootBundle!, servername: '', checkServerIdentity: () => undefined });
  await new Promise<void>((resolve) => {
    bare.on('error', () => resolve());
    bare.on('close', () => resolve());
    bare.on('secureConnect', () => bare.write('x'));
  });
  bare.destroy();
  assert.equal(peers.length, 2);
});
