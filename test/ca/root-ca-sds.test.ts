// The trust bundle over a real ADS stream: the Secret ROOTCA, state of the world and delta,
// re-pushed when the root rotates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCa } from '../../src/ca/index.js';
import { Manager } from '../../src/control/manager.js';
import { decodeAny } from '../../src/control/xds/protos.js';
import { TYPE_URL } from '../../src/control/xds/resource.js';
import { MemoryStore } from '../../src/store/index.js';
import { TestStream, node, type DeltaResponse, type SotwResponse } from '../control/xds/harness.js';
import { tempDir } from './openssl.js';

const SDS = TYPE_URL.SECRET;

function trustedCa(any: { type_url: string; value: Buffer }): string {
  const secret = decodeAny(any) as { name: string; validation_context: { trusted_ca: { inline_bytes: string } } };
  assert.equal(secret.name, 'ROOTCA');
  return Buffer.from(secret.validation_context.trusted_ca.inline_bytes, 'base64').toString();
}

async function setUp(t: { after(fn: () => Promise<void> | void): void }) {
  const dir = await tempDir(t);
  const ca = await startCa({ caDir: `${dir}/ca`, port: 0 });
  t.after(() => ca.close());
  const store = new MemoryStore();
  const manager = await Manager.start({ store, xdsPort: 0, debounceMs: 0, trustBundle: ca, log: () => {} });
  t.after(() => manager.close());
  return { ca, manager };
}

test('SotW: a proxy subscribing to ROOTCA gets the bundle, and again after a root rotation', async (t) => {
  const { ca, manager } = await setUp(t);
  const stream = new TestStream<SotwResponse>(manager.xdsPort, 'sotw');
  t.after(() => stream.close());
  stream.send({ node: node(), type_url: SDS, resource_names: ['ROOTCA'] });
  const first = await stream.next('ROOTCA');
  assert.equal(first.type_url, SDS);
  assert.equal(first.resources.length, 1);
  assert.equal(trustedCa(first.resources[0]!), ca.trustBundlePem());
  stream.send({ node: node(), type_url: SDS, resource_names: ['ROOTCA'], version_info: first.version_info, response_nonce: first.nonce });

  await ca.rotateRoot(3_600_000);
  const second = await stream.next('ROOTCA after rotation');
  const bundle = trustedCa(second.resources[0]!);
  assert.equal(bundle, ca.trustBundlePem());
  assert.equal(bundle.match(/BEGIN CERTIFICATE/g)?.length, 2, 'old and new root during the overlap');
  assert.notEqual(second.version_info, first.version_info);
});

test('delta: ROOTCA arrives by name and is re-pushed after rotation', async (t) => {
  const { ca, manager } = await setUp(t);
  const stream = new TestStream<DeltaResponse>(manager.xdsPort, 'delta');
  t.after(() => stream.close());
  stream.send({ node: node(), type_url: SDS, resource_names_subscribe: ['ROOTCA'] });
  const first = await stream.next('ROOTCA');
  assert.deepEqual(first.resources.map((r) => r.name), ['ROOTCA']);
  assert.equal(trustedCa(first.resources[0]!.resource), ca.trustBundlePem());
  stream.send({ node: node(), type_url: SDS, response_nonce: first.nonce });
  await ca.rotateRoot(3_600_000);
  const second = await stream.next('ROOTCA after rotation');
  assert.equal(trustedCa(second.resources[0]!.resource), ca.trustBundlePem());
  assert.equal(ca.trustBundlePem().match(/BEGIN CERTIFICATE/g)?.length, 2);
});
