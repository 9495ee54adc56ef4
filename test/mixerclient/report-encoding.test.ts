// Compressed Reports through the real gRPC server: the bags the client reports are exactly the
// bags the runtime (and so the adapters) sees — every value type, words from the global and the
// batch dictionaries, and deltas where attributes change, disappear and come back — and a
// request whose word indices do not resolve is INVALID_ARGUMENT, not a half-read batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentials, status as grpcStatus, type Client, type ServiceError } from '@grpc/grpc-js';
import { Duration, GLOBAL_WORD_INDEX, GLOBAL_WORDS, mixerServiceClient, type AttributeValue } from '../../src/mixer/index.js';
import { CompressedReportEncoder, MixerClient, ReportBatch, type AttributeSource } from '../../src/mixerclient/index.js';
import { comparable, startRecordingMixer } from './helpers.js';

type Bag = Record<string, AttributeValue>;

const BAGS: Bag[] = [
  {
    'request.path': '/a?x=1', 'request.method': 'GET', 'context.protocol': 'http', 'response.code': 200,
    'request.size': 0, 'response.size': 6_000_000_000, 'check.cache_hit': true,
    'request.time': new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), 'response.duration': new Duration(12.345678),
    'source.ip': Uint8Array.from([10, 1, 2, 3]),
    'request.headers': { ':authority': 'reviews', 'x-custom-header': 'ünïcode ✓', 'user-agent': 'wrk' },
    'source.labels': { app: 'productpage', version: 'v1' },
    'custom.attribute': 'a word no dictionary has',
    'custom.double': 0.25,
  },
  // The same bag again: the delta is empty, the bag is not.
  {
    'request.path': '/a?x=1', 'request.method': 'GET', 'context.protocol': 'http', 'response.code': 200,
    'request.size': 0, 'response.size': 6_000_000_000, 'check.cache_hit': true,
    'request.time': new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), 'response.duration': new Duration(12.345678),
    'source.ip': Uint8Array.from([10, 1, 2, 3]),
    'request.headers': { ':authority': 'reviews', 'x-custom-header': 'ünïcode ✓', 'user-agent': 'wrk' },
    'source.labels': { app: 'productpage', version: 'v1' },
    'custom.attribute': 'a word no dictionary has',
    'custom.double': 0.25,
  },
  // Attributes disappear (source.labels, custom.*), change (path, code, a header dropped from the map), and change type.
  {
    'request.path': '/b', 'request.method': 'POST', 'context.protocol': 'grpc', 'response.code': -1,
    'request.size': -42, 'response.size': 0, 'check.cache_hit': false,
    'request.time': new Date(-1500), 'response.duration': new Duration(0),
    'source.ip': Uint8Array.from([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    'request.headers': { ':authority': 'reviews' },
    'response.grpc_status': '14',
  },
  // One comes back with its first value; everything else is gone.
  { 'source.labels': { app: 'productpage', version: 'v1' } },
  // An empty bag.
  {},
  { 'request.path': '/c', 'custom.double': 1e300, 'source.labels': {} },
];

test('bags reported through the client reach the adapters unchanged: every type, both dictionaries, deltas that drop attributes', async (t) => {
  const mixer = await startRecordingMixer();
  t.after(() => mixer.close());
  const client = new MixerClient({ checkServer: '', reportServer: mixer.address, reportBatchMaxEntries: 1000 });
  t.after(() => client.close());
  for (const bag of BAGS) client.report(bag);
  // A second batch starts its dictionary and its deltas afresh.
  await client.flush();
  for (const bag of BAGS.slice().reverse()) client.report(bag);
  await client.flush();
  const expected = [...BAGS, ...BAGS.slice().reverse()].map(comparable);
  assert.deepEqual(mixer.reported().map(comparable), expected);
  assert.equal(client.stats.remoteReportCalls, 2);
});

test('a bag that writes itself (AttributeSource) reports the same as the plain bag, and a batch fills by size', async (t) => {
  const mixer = await startRecordingMixer();
  t.after(() => mixer.close());
  const client = new MixerClient({ checkServer: '', reportServer: mixer.address, reportBatchMaxEntries: 3 });
  t.after(() => client.close());
  const source = (bag: Bag): AttributeSource => ({
    writeAttributes(sink) {
      for (const [name, value] of Object.entries(bag)) sink.put(name, value);
      sink.put('never.sent', undefined);
    },
  });
  for (const bag of BAGS) client.report(source(bag));
  await client.flush();
  assert.deepEqual(mixer.reported().map(comparable), BAGS.map(comparable));
  assert.equal(client.stats.remoteReportCalls, 2, 'six bags in batches of three');
});

test('a batch holds bytes: the encoder names well-known words by global index and the rest once each in default_words', () => {
  const batch: Buffer[] = [];
  const rb = new ReportBatch({ maxEntries: 1000, send: async (request) => void batch.push(request) });
  for (let i = 0; i < 100; i++) rb.add({ 'request.path': '/same/path/every/time', 'request.method': 'GET', 'response.code': 200 + (i % 2) });
  assert.equal(rb.pending, 100);
  void rb.flush();
  assert.equal(batch.length, 1);
  const text = batch[0]!.toString('latin1');
  assert.equal(text.split('/same/path/every/time').length - 1, 1, 'the path is in default_words once');
  assert.ok(!text.includes('request.path') && !text.includes('GET'), 'global words travel as indices');
  // 100 bags whose only change is the code: a few bytes each.
  assert.ok(batch[0]!.length < 100 * 12, `${batch[0]!.length} bytes for 100 bags`);
});

type Unary = (req: unknown, cb: (err: ServiceError | null, res: unknown) => void) => void;

function rawClient(address: string): Client & { Report: Unary } {
  const Ctor = mixerServiceClient();
  return new Ctor(address, credentials.createInsecure()) as unknown as Client & { Report: Unary };
}

const report = (c: Client & { Report: Unary }, req: unknown) => new Promise<ServiceError | null>((resolve) => c.Report(req, (err) => resolve(err)));
const g = (word: string): number => GLOBAL_WORD_INDEX.get(word)!;

test('INDEPENDENT_ENCODING bags stand alone; plain and compressed bags in one request are all delivered, plain first', async (t) => {
  const mixer = await startRecordingMixer();
  t.after(() => mixer.close());
  const c = rawClient(mixer.address);
  t.after(() => c.close());
  const err = await report(c, {
    attributes: [{ attributes: { 'request.path': { stringValue: '/plain' } } }],
    repeatedAttributesSemantics: 'INDEPENDENT_ENCODING',
    defaultWords: ['/first'],
    globalWordCount: GLOBAL_WORDS.length,
    compressedAttributes: [
      { strings: { [g('request.path')]: -1 }, int64s: { [g('response.code')]: 200 } },
      { bools: { [g('connection.mtls')]: true } },
    ],
  });
  assert.equal(err, null);
  assert.deepEqual(mixer.reported().map(comparable), [{ 'request.path': '/plain' }, { 'request.path': '/first', 'response.code': 200 }, { 'connection.mtls': true }]);
});

test('word indices outside the dictionaries, or a global_word_count beyond Mixer\'s, are INVALID_ARGUMENT naming the field', async (t) => {
  const mixer = await startRecordingMixer();
  t.after(() => mixer.close());
  const c = rawClient(mixer.address);
  t.after(() => c.close());
  const tooMany = await report(c, { globalWordCount: GLOBAL_WORDS.length + 1, compressedAttributes: [{ bools: { 0: true } }] });
  assert.equal(tooMany?.code, grpcStatus.INVALID_ARGUMENT);
  assert.match(tooMany!.details, /global_word_count/);
  const badWord = await report(c, { globalWordCount: 10, defaultWords: ['x'], compressedAttributes: [{ bools: { 0: true } }, { strings: { 1: -2 } }] });
  assert.equal(badWord?.code, grpcStatus.INVALID_ARGUMENT);
  assert.match(badWord!.details, /compressed_attributes\[1\]\.strings\[1\]: word index -2/);
  const beyondCount = await report(c, { globalWordCount: 10, compressedAttributes: [{ strings: { 11: 0 } }] });
  assert.equal(beyondCount?.code, grpcStatus.INVALID_ARGUMENT);
  assert.deepEqual(mixer.reported(), [], 'nothing of a bad request reaches the adapters');
});

test('the global dictionary has no word twice (an index must mean one word)', () => {
  assert.equal(new Set(GLOBAL_WORDS).size, GLOBAL_WORDS.length);
  assert.equal(new CompressedReportEncoder().count, 0);
});
