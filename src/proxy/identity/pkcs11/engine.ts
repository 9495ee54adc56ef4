// How OpenSSL finds the pkcs11 engine and the engine finds the token, for Node's bundled OpenSSL
// (tls.createSecureContext with privateKeyEngine) and for the openssl CLI alike:
//  - OPENSSL_ENGINES names the engine's folder, so `privateKeyEngine: 'pkcs11'` loads it by id
//    and OpenSSL keeps it in its engine list. (Given the .so's full path instead, Node loads a
//    fresh copy per secure context and the second one fails to initialise — renewals break.)
//  - PKCS11_MODULE_PATH names the PKCS#11 module the engine loads, once per process.
//  - out of process, P11_KIT_SERVER_ADDRESS tells p11-kit-client.so where the server listens.
import * as path from 'node:path';
import { Pkcs11Error } from './errors.js';
import type { Pkcs11Options } from './options.js';

export interface EngineSettings {
  /** The engine id Node and openssl load by name. */
  engineId: string;
  env: Record<string, string>;
}

export function engineSettings(options: Pkcs11Options): EngineSettings {
  const base = path.basename(options.enginePath).replace(/\.so(\.\d+)*$/, '');
  const env: Record<string, string> = {
    OPENSSL_ENGINES: path.dirname(options.enginePath),
    PKCS11_MODULE_PATH: options.modulePath,
  };
  if (options.serverAddress) env.P11_KIT_SERVER_ADDRESS = options.serverAddress;
  return { engineId: base.replace(/^lib/, ''), env };
}

/**
 * Points this process's OpenSSL at the engine and module. These are process-wide (OpenSSL reads
 * them from the environment when it first loads the engine), so a second, different setting in
 * the same process is refused rather than silently ignored by OpenSSL. Worker processes forked
 * later inherit them.
 */
export function configureProcessEngine(options: Pkcs11Options, env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const settings = engineSettings(options);
  for (const [name, value] of Object.entries(settings.env)) {
    const current = env[name];
    if (current !== undefined && current !== value) {
      throw new Pkcs11Error('BAD_OPTION', `${name} is already "${current}" in this process but the pkcs11 key provider needs "${value}"; OpenSSL loads one pkcs11 engine and module per process, so unset ${name} or make the settings agree`);
    }
  }
  Object.assign(env, settings.env);
  return settings;
}
