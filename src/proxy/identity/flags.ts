// The proxy command's workload-identity flags, read and checked in one place so every mistake
// is reported with the flag that fixes it before anything starts.
import { readFileSync } from 'node:fs';
import { KEY_PROVIDERS, type KeyProviderName } from './key-providers.js';
import { checkRenewFraction } from './renewal.js';
import { identityProblem, type WorkloadIdentity } from './spiffe.js';

export const IDENTITY_FLAGS = ['ca-address', 'ca-root', 'token-file', 'trust-domain', 'cert-ttl', 'renew-fraction', 'private-key-provider'] as const;

/** Thrown for a bad flag; the message names it and says what to give. */
export class IdentityFlagError extends Error {
  override readonly name = 'IdentityFlagError';
}

export interface IdentitySettings {
  caAddress: string;
  caRootPem: string;
  identity: WorkloadIdentity;
  /** Reads the bootstrap token now (the file may have been refreshed); undefined when there is none. */
  token: () => string | undefined;
  certTtlSeconds: number;
  renewFraction: number;
  keyProvider: KeyProviderName;
}

/** Istio's default workload certificate lifetime. */
export const DEFAULT_CERT_TTL_SECONDS = 24 * 3600;

/**
 * The identity settings, or undefined when --ca-address is not given (no identity; the other
 * identity flags are then refused, as they would do nothing).
 */
export function readIdentityFlags(
  values: Record<string, unknown>,
  workload: { namespace: string; serviceAccount: string },
  env: NodeJS.ProcessEnv = process.env,
): IdentitySettings | undefined {
  const str = (name: string) => values[name] as string | undefined;
  const caAddress = str('ca-address');
  if (caAddress === undefined) {
    const stray = IDENTITY_FLAGS.find((f) => str(f) !== undefined);
    if (stray) throw new IdentityFlagError(`--${stray} needs --ca-address HOST:PORT (the mesh CA the proxy gets its workload certificate from)`);
    return undefined;
  }
  if (!/^[^:\s]+:\d{1,5}$/.test(caAddress)) throw new IdentityFlagError(`--ca-address must be HOST:PORT (the mesh CA's gRPC address, e.g. 127.0.0.1:15012), not "${caAddress}"`);
  const rootFile = str('ca-root');
  if (!rootFile) throw new IdentityFlagError('--ca-address needs --ca-root FILE: the PEM root the CA\'s TLS certificate chains to (the mesh root, e.g. root-cert.pem in the CA directory)');
  let caRootPem: string;
  try {
    caRootPem = readFileSync(rootFile, 'utf8');
  } catch (err) {
    throw new IdentityFlagError(`--ca-root ${rootFile} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!caRootPem.includes('-----BEGIN CERTIFICATE-----')) throw new IdentityFlagError(`--ca-root ${rootFile} holds no PEM certificate`);
  const identity: WorkloadIdentity = { trustDomain: str('trust-domain') ?? 'cluster.local', namespace: workload.namespace, serviceAccount: workload.serviceAccount };
  const problem = identityProblem(identity);
  if (problem) throw new IdentityFlagError(problem);
  const tokenFile = str('token-file');
  if (tokenFile !== undefined) {
    try {
      readFileSync(tokenFile);
    } catch (err) {
      throw new IdentityFlagError(`--token-file ${tokenFile} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const token = () => {
    if (tokenFile !== undefined) {
      try {
        return readFileSync(tokenFile, 'utf8').trim() || undefined;
      } catch {
        return undefined;
      }
    }
    return env.ISTHMUS_CA_TOKEN?.trim() || undefined;
  };
  const ttl = str('cert-ttl');
  const certTtlSeconds = ttl === undefined ? DEFAULT_CERT_TTL_SECONDS : parseTtl(ttl);
  const fraction = str('renew-fraction');
  let renewFraction = 0.5;
  if (fraction !== undefined) {
    try {
      renewFraction = checkRenewFraction(Number(fraction));
    } catch (err) {
      throw new IdentityFlagError((err as Error).message.replace(/not .*$/, `not "${fraction}"`));
    }
  }
  const provider = str('private-key-provider') ?? 'file';
  if (!(KEY_PROVIDERS as readonly string[]).includes(provider)) throw new IdentityFlagError(`--private-key-provider must be one of ${KEY_PROVIDERS.join(', ')}, not "${provider}"`);
  return { caAddress, caRootPem, identity, token, certTtlSeconds, renewFraction, keyProvider: provider as KeyProviderName };
}

/** A Go-style duration of whole seconds or more: `24h`, `90m`, `1h30m`, `45s`. */
export function parseTtl(raw: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(raw);
  const seconds = m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : NaN;
  if (!m || raw === '' || !(seconds >= 1)) throw new IdentityFlagError(`--cert-ttl takes a duration such as 24h, 90m or 30s, not "${raw}"`);
  return seconds;
}
