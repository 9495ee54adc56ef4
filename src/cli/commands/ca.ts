// `isthmus ca`: operations on the CA directory that a running manager picks up — bootstrap
// tokens for new workloads, root rotation, and printing the trust bundle.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CA_FILES, DEFAULT_CA_DIR, durationMs, keyAlgorithm, mintToken, rotateRoots, tokenKeys, trustDomain } from '../../ca/index.js';
import { EXIT, UsageError, type Command, type Values } from '../command.js';

function caDir(values: Values): string {
  return (values['ca-dir'] as string | undefined) ?? process.env.ISTHMUS_CA_DIR ?? DEFAULT_CA_DIR;
}

function usageOf(fn: () => number): number {
  try {
    return fn();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export const caCommand: Command = {
  name: 'ca',
  summary: 'Mesh CA operations: bootstrap tokens, root rotation, the trust bundle',
  usage: 'isthmus ca token --namespace NS --service-account SA [--ttl 24h] | ca rotate-root [--overlap 1h] | ca bundle   (all take --ca-dir DIR)',
  examples: [
    'isthmus ca token --namespace default --service-account reviews --ttl 1h   # prints a token for proxy --ca-token',
    'isthmus ca rotate-root --overlap 24h   # new root now; the old one trusted 24 h more (a running manager reloads)',
    'isthmus ca bundle > root-cert.pem',
  ],
  options: {
    'ca-dir': { type: 'string' },
    namespace: { type: 'string', short: 'n' },
    'service-account': { type: 'string' },
    ttl: { type: 'string' },
    overlap: { type: 'string' },
    'ca-key-algorithm': { type: 'string' },
    'trust-domain': { type: 'string' },
  },
  async run(values, positionals, io) {
    const dir = caDir(values);
    switch (positionals[0]) {
      case 'token': {
        const ns = (values.namespace as string | undefined) ?? 'default';
        const sa = values['service-account'] as string | undefined;
        if (!sa) throw new UsageError('ca token needs --service-account SA (the workload identity the token proves)');
        const ttlMs = usageOf(() => durationMs('ttl', values.ttl as string | undefined, 24 * 3_600_000));
        if (ttlMs < 1000) throw new UsageError('--ttl must be at least 1s');
        io.out(await mintToken(await tokenKeys(dir), ns, sa, Math.floor(ttlMs / 1000)));
        return EXIT.OK;
      }
      case 'rotate-root': {
        const overlapMs = usageOf(() => durationMs('overlap', values.overlap as string | undefined, 3_600_000));
        let algorithm, td;
        try {
          algorithm = keyAlgorithm(values['ca-key-algorithm'] as string | undefined);
          td = trustDomain(values['trust-domain'] as string | undefined);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        await rotateRoots({ dir, keyAlgorithm: algorithm, trustDomain: td, now: Date.now }, overlapMs);
        io.out(`rotated: a new root signs from now on; the previous root stays in ${path.join(dir, CA_FILES.bundle)} for ${values.overlap ?? '1h'}`);
        return EXIT.OK;
      }
      case 'bundle': {
        const file = path.join(dir, CA_FILES.bundle);
        try {
          io.out((await readFile(file, 'utf8')).trimEnd());
        } catch {
          io.err(`error: ${file} not found; start the CA (isthmus control-plane --ca-dir ${dir}) first`);
          return EXIT.FAILURE;
        }
        return EXIT.OK;
      }
      default:
        throw new UsageError(positionals[0] ? `unknown ca subcommand "${positionals[0]}" (token, rotate-root, bundle)` : 'ca needs a subcommand: token, rotate-root or bundle');
    }
  },
};
