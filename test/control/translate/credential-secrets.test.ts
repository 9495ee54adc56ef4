// SDS for Gateway credentials: which proxy gets which `kubernetes://` Secret (a gateway, from its
// own namespace only), where a MUTUAL server's `-cacert` comes from, and that a Secret without a
// usable certificate is simply absent. The Envoy Secrets are checked against the protos.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { credentialSecretGenerator } from '../../../src/control/translate/credential-secrets.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { makePki, type IssuedCert, type Pki } from '../../proxy/upstream/tls-certs.js';
import { proxy, world } from '../model/world.js';
import { encodeResource } from './envoy-codec.js';

type Fields = Record<string, unknown>;

let pki: Pki;
let cert: IssuedCert;
let other: IssuedCert;

before(async () => {
  pki = await makePki('Credential CA');
  [cert, other] = await Promise.all([pki.issue('shop', ['DNS:shop.example.com']), pki.issue('other', ['DNS:other.example.com'])]);
});
after(() => pki?.close());

const b64 = async (path: string) => (await readFile(path)).toString('base64');

async function secret(name: string, namespace: string, data: Record<string, string>, type = 'Opaque'): Promise<string> {
  const lines = await Promise.all(Object.entries(data).map(async ([k, path]) => `  ${k}: ${path.startsWith('/') ? await b64(path) : Buffer.from(path).toString('base64')}`));
  return [`apiVersion: v1`, 'kind: Secret', `metadata: {name: ${name}, namespace: ${namespace}}`, `type: ${type}`, 'data:', ...lines, '---', ''].join('\n');
}

describe('credential secrets', () => {
  const generator = credentialSecretGenerator();
  let yaml = '';
  before(async () => {
    yaml = [
      await secret('shop', 'gw', { 'tls.crt': cert.cert, 'tls.key': cert.key, 'ca.crt': pki.ca.cert }, 'kubernetes.io/tls'),
      await secret('generic', 'gw', { cert: cert.cert, key: cert.key }),
      await secret('split', 'gw', { 'tls.crt': cert.cert, 'tls.key': cert.key, 'ca.crt': pki.ca.cert }, 'kubernetes.io/tls'),
      await secret('split-cacert', 'gw', { cacert: other.cert }),
      await secret('mismatch', 'gw', { 'tls.crt': cert.cert, 'tls.key': other.key }, 'kubernetes.io/tls'),
      await secret('not-pem', 'gw', { 'tls.crt': 'hello', 'tls.key': cert.key }, 'kubernetes.io/tls'),
      await secret('shop', 'elsewhere', { 'tls.crt': other.cert, 'tls.key': other.key }, 'kubernetes.io/tls'),
    ].join('');
  });
  const ask = (p: ReturnType<typeof proxy>, names: string[] | undefined) => generator.generate(p, world(yaml), names);
  const gateway = proxy('router', 'gw', { istio: 'ingressgateway' });

  it('a gateway gets the certificate and key of the Secret in its namespace, inline, as a valid Envoy Secret', async () => {
    const [r] = ask(gateway, ['kubernetes://shop']);
    assert.equal(r?.typeUrl, TYPE_URL.SECRET);
    const tls = r?.value.tls_certificate as { certificate_chain: { inline_bytes: Buffer }; private_key: { inline_bytes: Buffer } };
    assert.equal(tls.certificate_chain.inline_bytes.toString(), await readFile(cert.cert, 'utf8'));
    assert.equal(tls.private_key.inline_bytes.toString(), await readFile(cert.key, 'utf8'));
    encodeResource(r!);
    const generic = ask(gateway, ['kubernetes://generic']);
    assert.equal(generic.length, 1, 'cert/key of a generic Secret');
  });

  it('`-cacert`: the dedicated Secret wins, else the credential\'s own ca.crt', async () => {
    const [own] = ask(gateway, ['kubernetes://shop-cacert']);
    assert.equal(((own?.value.validation_context as Fields).trusted_ca as { inline_bytes: Buffer }).inline_bytes.toString(), await readFile(pki.ca.cert, 'utf8'));
    const [split] = ask(gateway, ['kubernetes://split-cacert']);
    assert.equal(((split?.value.validation_context as Fields).trusted_ca as { inline_bytes: Buffer }).inline_bytes.toString(), await readFile(other.cert, 'utf8'));
    encodeResource(split!);
    assert.deepEqual(ask(gateway, ['kubernetes://generic-cacert']), [], 'no CA anywhere: absent');
  });

  it('a sidecar, a proxyless client or a gateway in another namespace never gets another namespace\'s key', async () => {
    assert.deepEqual(ask(proxy('sidecar', 'gw'), ['kubernetes://shop']), []);
    assert.deepEqual(ask(proxy('proxyless', 'gw'), ['kubernetes://shop']), []);
    assert.deepEqual(ask(proxy('router', 'nowhere'), ['kubernetes://shop']), []);
    const [theirs] = ask(proxy('router', 'elsewhere'), ['kubernetes://shop']);
    const chain = (theirs?.value.tls_certificate as { certificate_chain: { inline_bytes: Buffer } }).certificate_chain.inline_bytes.toString();
    assert.equal(chain, await readFile(other.cert, 'utf8'));
  });

  it('a Secret without a usable certificate, a missing one, other names and wildcards: nothing', () => {
    assert.deepEqual(ask(gateway, ['kubernetes://mismatch', 'kubernetes://not-pem', 'kubernetes://missing', 'ROOTCA', 'default']), []);
    assert.deepEqual(ask(gateway, undefined), []);
  });

  it('an unchanged Secret gives the same value object every time (encoded once for every gateway)', () => {
    const push = world(yaml);
    const first = generator.generate(gateway, push, ['kubernetes://shop'])[0];
    const again = generator.generate(proxy('router', 'gw', { other: 'gateway' }), push, ['kubernetes://shop'])[0];
    assert.ok(first);
    assert.equal(first, again);
  });
});
