// The contract between the proxy's workload-identity agent and where its private key lives
// (Istio's ProxyConfig.privateKeyProvider). The agent never touches key bytes: it asks the key
// for a CSR (signed by the key, wherever it is) and for what a TLS secure context needs to use it.
// `file` keeps the key in process memory; `pkcs11` keeps it inside a token that never releases it.

/** What tls.createSecureContext needs to sign handshakes with the key. */
export type SecureContextKey =
  | { key: string }
  | { privateKeyEngine: string; privateKeyIdentifier: string };

export interface WorkloadKey {
  /** `ECDSA_P256`, `RSA_2048` or `RSA_3072`. */
  readonly algorithm: KeyAlgorithm;
  /** A PEM PKCS#10 request for `spiffeId` (URI SAN), signed by this key. */
  createCsr(spiffeId: string): Promise<string>;
  /** How TLS uses the key; a token key is named, never exported. */
  secureContextKey(): SecureContextKey;
  /** Forgets the key (a token key is destroyed in the token). */
  close(): Promise<void>;
}

export type KeyAlgorithm = 'ECDSA_P256' | 'RSA_2048' | 'RSA_3072';

export interface KeyProvider {
  /** `file` (in memory, the default) or `pkcs11`. */
  readonly name: string;
  /** Makes a fresh key for a new certificate (each renewal gets a new key). */
  newKey(algorithm: KeyAlgorithm): Promise<WorkloadKey>;
}
