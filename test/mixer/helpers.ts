// Shared by the Mixer tests: a real redis-server on a free loopback port, a real gRPC client for
// the Mixer service, and YAML for handler/instance/rule resources.
import { credentials, type Client } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, type RunningProcess } from '../helpers/process.js';
import { decodeCheckResponse, encodeAttributes, mixerServiceClient, type AttributeValue, type CheckResponse, type WireCheckResponse } from '../../src/mixer/index.js';
import { decodeReleaseResponse, type WireReleaseResponse } from '../../src/mixer/api/wire.js';
import type { ReleaseResponse } from '../../src/mixer/runtime/dispatch.js';

export async function startRedis(): Promise<{ url: string; output(): string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'isthmus-redis-'));
  const p: RunningProcess = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
  try {
    await p.waitForLine(/Ready to accept connections/);
  } catch (e) {
    await p.stop();
    throw e;
  }
  return {
    url: `127.0.0.1:${port}`,
    output: () => p.output(),
    async stop() {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestMixerClient {
  check(attributes: Record<string, AttributeValue>, quotas?: Record<string, { amount: number; bestEffort?: boolean }>, dedupId?: string): Promise<CheckResponse>;
  report(bags: Record<string, AttributeValue>[]): Promise<void>;
  close(): void;
}

export function mixerClient(address: string): TestMixerClient {
  const Ctor = mixerServiceClient();
  const client = new Ctor(address, credentials.createInsecure()) as Client & Record<string, (req: unknown, cb: (err: Error | null, res: unknown) => void) => void>;
  const unary = <T>(method: string, req: unknown) => new Promise<T>((resolve, reject) => client[method]!.call(client, req, (err, res) => (err ? reject(err) : resolve(res as T))));
  return {
    async check(attributes, quotas = {}, dedupId = '') {
      const wire = await unary<WireCheckResponse>('Check', { attributes: encodeAttributes(attributes), quotas, deduplicationId: dedupId });
      return decodeCheckResponse(wire);
    },
    async report(bags) {
      await unary('Report', { attributes: bags.map((b) => encodeAttributes(b)) });
    },
    close: () => client.close(),
  };
}

export const yaml = {
  handler: (name: string, adapter: string, params: object) => `apiVersion: config.istio.io/v1alpha2\nkind: handler\nmetadata:\n  name: ${name}\nspec:\n  compiledAdapter: ${adapter}\n  params: ${JSON.stringify(params)}\n`,
  instance: (name: string, template: string, params: object) => `apiVersion: config.istio.io/v1alpha2\nkind: instance\nmetadata:\n  name: ${name}\nspec:\n  compiledTemplate: ${template}\n  params: ${JSON.stringify(params)}\n`,
  rule: (name: string, match: string | undefined, actions: { handler: string; instances: string[] }[]) => `apiVersion: config.istio.io/v1alpha2\nkind: rule\nmetadata:\n  name: ${name}\nspec:\n${match !== undefined ? `  match: ${JSON.stringify(match)}\n` : ''}  actions: ${JSON.stringify(actions)}\n`,
};

export const docs = (...d: string[]) => d.join('---\n');

/** Release on the wire (allocation quota): amounts per quota name. */
export async function releaseQuota(address: string, attributes: Record<string, AttributeValue>, quotas: Record<string, number>, dedupId = ''): Promise<ReleaseResponse> {
  const Ctor = mixerServiceClient();
  const client = new Ctor(address, credentials.createInsecure()) as Client & Record<string, (req: unknown, cb: (err: Error | null, res: unknown) => void) => void>;
  try {
    const wire = await new Promise<WireReleaseResponse>((resolve, reject) => client.Release!.call(client, { attributes: encodeAttributes(attributes), quotas, deduplicationId: dedupId }, (err, res) => (err ? reject(err) : resolve(res as WireReleaseResponse))));
    return decodeReleaseResponse(wire);
  } finally {
    client.close();
  }
}
