// Settings of the pkcs11 key provider, read from the environment (the agent's contract: see
// ../key-providers.ts). Two modes:
//  - `in-process`: the PKCS#11 module (SoftHSM2 by default) is loaded into the proxy by OpenSSL's
//    pkcs11 engine;
//  - `out-of-process`: a `p11-kit server` owns the module and the proxy loads only
//    `p11-kit-client.so`, which forwards PKCS#11 calls over a Unix socket — the proxy process
//    never maps the token library.
import * as fs from 'node:fs';
import { Pkcs11Error } from './errors.js';

export const PKCS11_MODES = ['in-process', 'out-of-process'] as const;
export type Pkcs11Mode = (typeof PKCS11_MODES)[number];

export interface Pkcs11Options {
  mode: Pkcs11Mode;
  /** The token's label (CKA_LABEL of the token, as `softhsm2-util --init-token --label`). */
  tokenLabel: string;
  /** The user PIN. It unlocks signing; it is not key material and cannot export the key. */
  pin: string;
  /** The PKCS#11 module the proxy loads: the token library, or p11-kit-client.so out of process. */
  modulePath: string;
  /** `P11_KIT_SERVER_ADDRESS` of the p11-kit server (out-of-process mode only). */
  serverAddress?: string;
  /** OpenSSL's pkcs11 engine (libp11), used by Node's bundled OpenSSL and by the openssl CLI. */
  enginePath: string;
  /** pkcs11-tool (OpenSC), which asks the token to generate and destroy keys. */
  pkcs11Tool: string;
  /** The openssl CLI, which asks the token to sign CSRs. */
  openssl: string;
  /** Prefix of the CKA_LABEL of the keys this provider makes, so operators can tell them apart. */
  keyLabelPrefix: string;
}

export const DEFAULT_TOKEN_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const DEFAULT_CLIENT_MODULE = '/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so';
export const DEFAULT_ENGINE = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so';

/** The environment variables read, with what each means (for help text and errors). */
export const PKCS11_ENV = {
  ISTHMUS_PKCS11_MODE: 'in-process (default) or out-of-process',
  ISTHMUS_PKCS11_TOKEN: 'the token label (required)',
  ISTHMUS_PKCS11_PIN_FILE: 'a file holding the user PIN (or ISTHMUS_PKCS11_PIN)',
  ISTHMUS_PKCS11_PIN: 'the user PIN (or ISTHMUS_PKCS11_PIN_FILE)',
  ISTHMUS_PKCS11_MODULE: `the PKCS#11 module (in-process default ${DEFAULT_TOKEN_MODULE}; out-of-process default ${DEFAULT_CLIENT_MODULE})`,
  ISTHMUS_PKCS11_SERVER_ADDRESS: 'the p11-kit server address, e.g. unix:path=/run/isthmus/p11.sock (out-of-process; P11_KIT_SERVER_ADDRESS also works)',
  ISTHMUS_PKCS11_ENGINE: `OpenSSL's pkcs11 engine (default ${DEFAULT_ENGINE})`,
} as const;

const bad = (message: string) => new Pkcs11Error('BAD_OPTION', message);

/** Reads and checks the settings; every error names the variable and the fix. */
export function parsePkcs11Options(env: NodeJS.ProcessEnv): Pkcs11Options {
  const mode = (env.ISTHMUS_PKCS11_MODE ?? 'in-process') as Pkcs11Mode;
  if (!PKCS11_MODES.includes(mode)) throw bad(`ISTHMUS_PKCS11_MODE must be one of ${PKCS11_MODES.join(', ')}, not "${mode}"`);

  const tokenLabel = env.ISTHMUS_PKCS11_TOKEN;
  if (!tokenLabel) throw bad('ISTHMUS_PKCS11_TOKEN is required: the label of the PKCS#11 token that holds workload keys (e.g. softhsm2-util --init-token --free --label isthmus)');
  // A token label is at most 32 bytes (CK_TOKEN_INFO.label).
  if (Buffer.byteLength(tokenLabel) > 32) throw bad(`ISTHMUS_PKCS11_TOKEN "${tokenLabel}" is longer than a token label can be (32 bytes)`);

  const pin = readPin(env);

  const serverAddress = env.ISTHMUS_PKCS11_SERVER_ADDRESS ?? env.P11_KIT_SERVER_ADDRESS;
  if (mode === 'out-of-process') {
    if (!serverAddress) throw bad('ISTHMUS_PKCS11_SERVER_ADDRESS is required in out-of-process mode: the address `p11-kit server` prints as P11_KIT_SERVER_ADDRESS (e.g. unix:path=/run/isthmus/p11.sock)');
    if (!/^unix:path=\/\S+$/.test(serverAddress)) throw bad(`ISTHMUS_PKCS11_SERVER_ADDRESS "${serverAddress}" must look like unix:path=/absolute/socket/path`);
  }
  const modulePath = env.ISTHMUS_PKCS11_MODULE ?? (mode === 'in-process' ? DEFAULT_TOKEN_MODULE : DEFAULT_CLIENT_MODULE);
  const enginePath = env.ISTHMUS_PKCS11_ENGINE ?? DEFAULT_ENGINE;
  return {
    mode,
    tokenLabel,
    pin,
    modulePath,
    serverAddress: mode === 'out-of-process' ? serverAddress : undefined,
    enginePath,
    pkcs11Tool: 'pkcs11-tool',
    openssl: 'openssl',
    keyLabelPrefix: 'isthmus-workload',
  };
}

function readPin(env: NodeJS.ProcessEnv): string {
  const file = env.ISTHMUS_PKCS11_PIN_FILE;
  if (file !== undefined && env.ISTHMUS_PKCS11_PIN !== undefined) throw bad('set only one of ISTHMUS_PKCS11_PIN_FILE and ISTHMUS_PKCS11_PIN');
  let pin: string;
  if (file !== undefined) {
    try {
      pin = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw bad(`ISTHMUS_PKCS11_PIN_FILE "${file}" cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); point it at a file holding the token's user PIN`);
    }
  } else if (env.ISTHMUS_PKCS11_PIN !== undefined) {
    pin = env.ISTHMUS_PKCS11_PIN;
  } else {
    throw bad('the token\'s user PIN is required: set ISTHMUS_PKCS11_PIN_FILE (a file holding it) or ISTHMUS_PKCS11_PIN');
  }
  if (pin.length === 0) throw bad('the PKCS#11 user PIN is empty; put the PIN in ISTHMUS_PKCS11_PIN_FILE or ISTHMUS_PKCS11_PIN');
  if (/[\r\n\0]/.test(pin)) throw bad('the PKCS#11 user PIN contains a line break or NUL; the PIN file must hold the PIN on one line');
  return pin;
}

/** Which Debian package provides what, for errors that say what to install. */
const PACKAGES: { path: (o: Pkcs11Options) => string; package: string; what: string; variable: string }[] = [
  { path: (o) => o.enginePath, package: 'libengine-pkcs11-openssl', what: 'OpenSSL pkcs11 engine', variable: 'ISTHMUS_PKCS11_ENGINE' },
  { path: (o) => o.modulePath, package: '', what: 'PKCS#11 module', variable: 'ISTHMUS_PKCS11_MODULE' },
];

/** Fails with what to install when a file the provider needs is missing. */
export function checkInstalled(options: Pkcs11Options): void {
  for (const need of PACKAGES) {
    const file = need.path(options);
    if (fs.existsSync(file)) continue;
    const pkg = need.package || modulePackage(options, file);
    throw new Pkcs11Error('MISSING_PACKAGE', `the ${need.what} ${file} does not exist: ${pkg ? `apt-get install ${pkg}, or ` : ''}set ${need.variable} to its path`);
  }
}

function modulePackage(options: Pkcs11Options, file: string): string {
  if (file === DEFAULT_TOKEN_MODULE) return 'softhsm2';
  if (file === DEFAULT_CLIENT_MODULE) return 'p11-kit-modules';
  return options.mode === 'out-of-process' ? 'p11-kit-modules' : '';
}
