// `isthmus analyze` on Gateway credentials: a credentialName that names no Secret in the
// Gateway's namespace, a Secret whose key does not match its certificate, a MUTUAL server with
// no client CA — each an ISTH0108 error naming the server and the fix; a good set says nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadText } from '../../src/api/index.js';
import { analyze, MESSAGES } from '../../src/analyze/index.js';
import { makePki, type IssuedCert, type Pki } from '../proxy/upstream/tls-certs.js';

let pki: Pki;
let cert: IssuedCert;
let other: IssuedCert;

before(async () => {
  pki = await makePki('Analyze CA');
  [cert, other] = await Promise.all([pki.issue('a', ['DNS:a.example.com']), pki.issue('b', ['DNS:b.example.com'])]);
});
after(() => pki?.close());

const b64 = async (path: string) => (await readFile(path)).toString('base64');

function gateway(servers: [number, string, string][]): string {
  return [
    'apiVersion: networking.istio.io/v1', 'kind: Gateway', 'metadata: {name: edge, namespace: gw}', 'spec:', '  selector: {istio: ingressgateway}', '  servers:',
    ...servers.map(([port, mode, name]) => `  - {port: {number: ${port}, name: https-${port}, protocol: HTTPS}, hosts: ["*"], tls: {mode: ${mode}, credentialName: ${name}}}`),
    '---', '',
  ].join('\n');
}

async function tlsSecret(name: string, crt: string, key: string, ns = 'gw'): Promise<string> {
  return `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: ${ns}}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${await b64(crt)}, tls.key: ${await b64(key)}}\n---\n`;
}

const credentialMessages = (yaml: string) => analyze(loadText(yaml, 'gw.yaml')).filter((m) => m.code === MESSAGES.InvalidGatewayCredential.code);

test('good credentials, with a -cacert Secret for MUTUAL, give no message', async () => {
  const yaml = gateway([[443, 'SIMPLE', 'a'], [8443, 'MUTUAL', 'a']]) + await tlsSecret('a', cert.cert, cert.key)
    + `apiVersion: v1\nkind: Secret\nmetadata: {name: a-cacert, namespace: gw}\ndata: {cacert: ${await b64(pki.ca.cert)}}\n`;
  assert.deepEqual(credentialMessages(yaml), []);
});

test('missing, mismatched and CA-less credentials are errors that say what to do', async () => {
  const yaml = gateway([[443, 'SIMPLE', 'missing'], [444, 'SIMPLE', 'mismatch'], [8443, 'MUTUAL', 'no-ca'], [9443, 'SIMPLE', 'other-ns']])
    + await tlsSecret('mismatch', cert.cert, other.key) + await tlsSecret('no-ca', cert.cert, cert.key) + await tlsSecret('other-ns', cert.cert, cert.key, 'default');
  const messages = credentialMessages(yaml);
  const text = messages.map((m) => m.message).join('\n');
  assert.equal(messages.length, 4, text);
  assert.ok(messages.every((m) => m.severity === 'Error' && m.resource === 'Gateway gw/edge' && m.file === 'gw.yaml'));
  assert.match(text, /port 443: credentialName "missing" names no Secret in namespace "gw"; create a Secret of type kubernetes\.io\/tls/);
  assert.match(text, /port 444: Secret gw\/mismatch the private key does not match the certificate/);
  assert.match(text, /port 8443: MUTUAL needs a client CA: add ca\.crt to Secret gw\/no-ca or create Secret gw\/no-ca-cacert/);
  assert.match(text, /port 9443: credentialName "other-ns" names no Secret in namespace "gw"/);
  assert.ok(!text.includes('PRIVATE KEY') && !text.includes((await readFile(cert.key, 'utf8')).split('\n')[1]!));
});
