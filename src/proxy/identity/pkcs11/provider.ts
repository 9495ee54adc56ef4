// The pkcs11 private key provider: every workload key is generated inside a PKCS#11 token,
// checked to be sensitive and never extractable, used for CSRs and TLS by name (a PKCS#11 URI),
// and destroyed in the token when the agent closes it. No key bytes ever reach this process.
import { randomBytes } from 'node:crypto';
import type { KeyAlgorithm, KeyProvider, SecureContextKey, WorkloadKey } from '../workload-key.js';
import { tokenSignedCsr } from './csr.js';
import { configureProcessEngine, type EngineSettings } from './engine.js';
import { Pkcs11Error } from './errors.js';
import { checkInstalled, parsePkcs11Options, type Pkcs11Options } from './options.js';
import { Token } from './token.js';
import { privateKeyUri } from './uri.js';

export class Pkcs11KeyProvider implements KeyProvider {
  readonly name = 'pkcs11';
  private readonly token: Token;
  // pkcs11-tool runs are serialised: one token session at a time keeps SoftHSM's object store
  // free of concurrent writers from this provider.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly options: Pkcs11Options, private readonly engine: EngineSettings) {
    this.token = new Token(options);
  }

  /** Runs `work` after every earlier token operation of this provider. */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async check(): Promise<void> {
    await this.serial(() => this.token.check());
  }

  async newKey(algorithm: KeyAlgorithm): Promise<WorkloadKey> {
    const id = randomBytes(16);
    const label = `${this.options.keyLabelPrefix}-${id.toString('hex').slice(0, 12)}`;
    return this.serial(async () => {
      await this.token.generate(algorithm, id, label);
      // Trust, but verify: a token (or tool) whose template left the key exportable is refused.
      const protection = await this.token.protection(id);
      if (!protection || !protection.sensitive || protection.extractable || !protection.neverExtractable) {
        await this.token.destroy(id);
        throw new Pkcs11Error('NOT_PROTECTED', `token "${this.options.tokenLabel}" made a key that is not sensitive and never-extractable (${JSON.stringify(protection)}); it was destroyed — use a token that honours CKA_SENSITIVE/CKA_EXTRACTABLE`);
      }
      return new TokenKey(algorithm, id, label, this);
    });
  }

  csr(key: TokenKey, spiffeId: string): Promise<string> {
    const { tokenLabel, pin, openssl } = this.options;
    return tokenSignedCsr({ openssl, engine: this.engine, keyUri: privateKeyUri({ tokenLabel, id: key.id }), pin, spiffeId, algorithm: key.algorithm });
  }

  secureContextKey(key: TokenKey): SecureContextKey {
    const { tokenLabel, pin } = this.options;
    // Node's TLS cannot answer a PIN prompt, so the PIN rides in the URI; it lives in this
    // process's memory, unlike the key, which the PIN cannot export.
    return { privateKeyEngine: this.engine.engineId, privateKeyIdentifier: privateKeyUri({ tokenLabel, id: key.id, pin }) };
  }

  destroy(key: TokenKey): Promise<void> {
    return this.serial(() => this.token.destroy(key.id));
  }
}

/** A key pair inside the token, known to this process only by its CKA_ID. */
export class TokenKey implements WorkloadKey {
  private closed = false;

  constructor(readonly algorithm: KeyAlgorithm, readonly id: Buffer, readonly label: string, private readonly provider: Pkcs11KeyProvider) {}

  /** The PKCS#11 URI of the private key, without the PIN (for logs and operators). */
  get uri(): string {
    return privateKeyUri({ tokenLabel: this.provider.options.tokenLabel, id: this.id });
  }

  createCsr(spiffeId: string): Promise<string> {
    this.assertOpen();
    return this.provider.csr(this, spiffeId);
  }

  secureContextKey(): SecureContextKey {
    this.assertOpen();
    return this.provider.secureContextKey(this);
  }

  /**
   * Destroys the key pair in the token. Call it only once no secure context that may still
   * start handshakes uses the key (the agent closes the old key after installing the new one).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.provider.destroy(this);
  }

  private assertOpen(): void {
    if (this.closed) throw new Pkcs11Error('CLOSED', `the token key ${this.label} was closed (destroyed in the token)`);
  }
}

/**
 * A provider for `options`: checks that the engine and module are installed, points this
 * process's OpenSSL at them, and logs in once so a wrong token label or PIN fails at start.
 */
export async function pkcs11KeyProvider(options: Pkcs11Options): Promise<Pkcs11KeyProvider> {
  checkInstalled(options);
  const engine = configureProcessEngine(options);
  const provider = new Pkcs11KeyProvider(options, engine);
  await provider.check();
  return provider;
}

/** The agent's entry point (../key-providers.ts): settings from the environment. */
export function createPkcs11KeyProvider(env: NodeJS.ProcessEnv = process.env): Promise<KeyProvider> {
  return pkcs11KeyProvider(parsePkcs11Options(env));
}
