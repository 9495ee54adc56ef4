// Keys held in a PKCS#11 token for the handshake bench: a SoftHSM2 token in a temp dir, an ECDSA
// P-256 and an RSA-2048 key generated inside it (sensitive, never extractable), a self-signed
// certificate per key signed inside the token by the system openssl with the pkcs11 engine, and
// the environment a node:tls server needs to sign handshakes with them — directly (the engine
// loads libsofthsm2.so in the server) or through a `p11-kit server` on a Unix socket (the server
// maps only p11-kit-client.so; the signatures happen in p11-kit's child).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ServerProcess } from '../proxy/server-process.js';
import type { KeyType } from './keys.js';

const run = promisify(execFile);

const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
const P11_KIT_CLIENT = '/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so';
const ENGINES = '/usr/lib/x86_64-linux-gnu/engines-3';
const LABEL = 'isthmus-bench';
const PIN = '1234';

const PACKAGES: [string, string][] = [[SOFTHSM, 'softhsm2'], [join(ENGINES, 'pkcs11.so'), 'libengine-pkcs11-openssl'], [P11_KIT_CLIENT, 'p11-kit-modules']];

/** Why token rows cannot run here, or undefined when they can. */
export function tokenUnavailable(): string | undefined {
  const missing = PACKAGES.filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg);
  for (const [tool, pkg] of [['pkcs11-tool', 'opensc'], ['p11-kit', 'p11-kit']] as const) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) missing.push(pkg);
  }
  return missing.length > 0 ? `apt-get install -y ${[...new Set(missing)].join(' ')}` : undefined;
}

export interface TokenKey {
  type: KeyType;
  cert: string;
  engine: 'pkcs11';
  identifier: string;
}

export interface BenchToken {
  keys: TokenKey[];
  /** Environment for a server that opens the token itself. */
  inProcessEnv: NodeJS.ProcessEnv;
  /** Starts a p11-kit server in front of the token; the env makes a server use it. */
  remote(): Promise<{ env: NodeJS.ProcessEnv; pids(): number[]; stop(): Promise<void> }>;
  remove(): void;
}

const KEYGEN: Record<KeyType, { id: string; type: string }> = {
  'ECDSA P-256': { id: '01', type: 'EC:prime256v1' },
  'RSA-2048': { id: '02', type: 'rsa:2048' },
};

export async function makeBenchToken(host: string): Promise<BenchToken> {
  const dir = mkdtempSync(join(tmpdir(), 'isthmus-bench-token-'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${dir}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  await run('softhsm2-util', ['--init-token', '--free', '--label', LABEL, '--pin', PIN, '--so-pin', '87654321'], { env });
  const engineEnv = { ...env, OPENSSL_ENGINES: ENGINES, PKCS11_MODULE_PATH: SOFTHSM };
  const keys: TokenKey[] = [];
  for (const [type, k] of Object.entries(KEYGEN) as [KeyType, { id: string; type: string }][]) {
    await run('pkcs11-tool', ['--module', SOFTHSM, '--token-label', LABEL, '--login', '--pin', PIN, '--keypairgen', '--key-type', k.type, '--id', k.id, '--label', `bench-${k.id}`], { env });
    const identifier = `pkcs11:token=${LABEL};id=%${k.id};type=private;pin-value=${PIN}`;
    const cert = join(dir, `cert-${k.id}.pem`);
    await run('openssl', ['req', '-new', '-x509', '-engine', 'pkcs11', '-keyform', 'engine', '-key', identifier, '-subj', `/CN=${host}`, '-days', '1', '-out', cert], { env: engineEnv });
    keys.push({ type, cert, engine: 'pkcs11', identifier });
  }
  return {
    keys,
    inProcessEnv: engineEnv,
    async remote() {
      const socket = join(dir, 'p11-kit.sock');
      const server = await ServerProcess.start('p11-kit-server', { command: 'p11-kit', args: ['server', '--foreground', '--name', socket, '--provider', SOFTHSM, `pkcs11:token=${LABEL}`], env, readyLine: /P11_KIT_SERVER_ADDRESS=/ });
      const address = (await server.waitForLine(/P11_KIT_SERVER_ADDRESS=([^;\s]+);/, 5000))[1]!;
      return {
        env: { ...process.env, OPENSSL_ENGINES: ENGINES, PKCS11_MODULE_PATH: P11_KIT_CLIENT, P11_KIT_SERVER_ADDRESS: address },
        // The signatures happen in the p11-kit-remote child the server forks per client.
        pids: () => [server.pid, ...childPids(server.pid)],
        async stop() {
          const children = childPids(server.pid);
          await server.stop(2000);
          for (const pid of children) {
            try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
          }
        },
      };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function childPids(parent: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').filter((l) => l.trim() !== '').map(Number);
}
