// The pkcs11 private key provider (Istio's ProxyConfig.privateKeyProvider: pkcs11): workload
// keys made and kept inside a PKCS#11 token, in process or behind a p11-kit server.
export { createPkcs11KeyProvider, pkcs11KeyProvider, Pkcs11KeyProvider, TokenKey } from './provider.js';
export { checkInstalled, parsePkcs11Options, DEFAULT_CLIENT_MODULE, DEFAULT_ENGINE, DEFAULT_TOKEN_MODULE, PKCS11_ENV, PKCS11_MODES, type Pkcs11Mode, type Pkcs11Options } from './options.js';
export { Pkcs11Error, type Pkcs11ErrorCode } from './errors.js';
export { privateKeyUri } from './uri.js';
