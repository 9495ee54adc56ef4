// The token, as seen through pkcs11-tool: generate a key pair inside it, read back what the
// token says about the private key's protection, destroy a key pair. The proxy only ever holds
// the key's id.
import type { KeyAlgorithm } from '../workload-key.js';
import { Pkcs11Error } from './errors.js';
import type { Pkcs11Options } from './options.js';
import { PIN_VARIABLE, runTool } from './tools.js';

const KEY_TYPES: Record<KeyAlgorithm, string> = {
  ECDSA_P256: 'EC:prime256v1',
  RSA_2048: 'rsa:2048',
  RSA_3072: 'rsa:3072',
};

/** What the token reports of a private key's CKA_SENSITIVE / CKA_EXTRACTABLE attributes. */
export interface KeyProtection {
  sensitive: boolean;
  extractable: boolean;
  neverExtractable: boolean;
}

export class Token {
  constructor(private readonly options: Pkcs11Options) {}

  /** Environment for children: the module's own settings (SOFTHSM2_CONF, P11_KIT_SERVER_ADDRESS) and the PIN. */
  childEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { [PIN_VARIABLE]: this.options.pin };
    if (this.options.serverAddress) env.P11_KIT_SERVER_ADDRESS = this.options.serverAddress;
    return env;
  }

  private tool(args: string[]) {
    const { modulePath, tokenLabel, pkcs11Tool } = this.options;
    return runTool(pkcs11Tool, ['--module', modulePath, '--token-label', tokenLabel, '--login', '--pin', `env:${PIN_VARIABLE}`, ...args], this.childEnv());
  }

  /** Logs in and lists private keys: fails early, with the tool's reason, on a wrong token or PIN. */
  async check(): Promise<void> {
    try {
      await this.tool(['--list-objects', '--type', 'privkey']);
    } catch (e) {
      if (e instanceof Pkcs11Error && e.code === 'TOKEN') {
        throw new Pkcs11Error('TOKEN', `cannot log in to PKCS#11 token "${this.options.tokenLabel}" through ${this.options.modulePath}; check ISTHMUS_PKCS11_TOKEN and the PIN (${e.message})`);
      }
      throw e;
    }
  }

  /**
   * Generates a key pair inside the token. pkcs11-tool's template makes the private key
   * CKA_SENSITIVE and not CKA_EXTRACTABLE; the caller verifies that with `protection`.
   */
  async generate(algorithm: KeyAlgorithm, id: Buffer, label: string): Promise<void> {
    const keyType = KEY_TYPES[algorithm];
    if (!keyType) throw new Pkcs11Error('BAD_OPTION', `key algorithm ${String(algorithm)} is not supported; use ECDSA_P256, RSA_2048 or RSA_3072`);
    await this.tool(['--keypairgen', '--key-type', keyType, '--usage-sign', '--id', id.toString('hex'), '--label', label]);
  }

  async protection(id: Buffer): Promise<KeyProtection | undefined> {
    const { stdout } = await this.tool(['--list-objects', '--type', 'privkey', '--id', id.toString('hex')]);
    const access = /^\s*Access:\s*(.*)$/m.exec(stdout);
    if (!/Private Key Object/.test(stdout)) return undefined;
    const flags = (access?.[1] ?? '').split(',').map((s) => s.trim());
    return {
      sensitive: flags.includes('sensitive'),
      extractable: flags.includes('extractable'),
      neverExtractable: flags.includes('never extractable'),
    };
  }

  /** Destroys both halves of the key pair; an already absent half is not an error. */
  async destroy(id: Buffer): Promise<void> {
    for (const type of ['privkey', 'pubkey']) {
      try {
        await this.tool(['--delete-object', '--type', type, '--id', id.toString('hex')]);
      } catch (e) {
        if (!(e instanceof Pkcs11Error && /not found|No object/i.test(e.message))) throw e;
      }
    }
  }
}
