// Workload identity in the proxy: the agent that gets and renews the SPIFFE certificate from the
// mesh CA, the in-memory SDS secrets (`default`, `ROOTCA`) TLS contexts read, and the key providers.
export { IdentityAgent, SYSTEM_AGENT_CLOCK, type AgentClock, type IdentityAgentOptions, type RequestCertificate } from './agent.js';
export { createKeyProvider, KEY_PROVIDERS, type KeyProviderName } from './key-providers.js';
export { FileKeyProvider } from './file-key.js';
export { checkRenewFraction, InvalidRenewFractionError, renewalTime } from './renewal.js';
export { installMeshSecrets, isMeshSecretName, meshSecrets, MeshSecretStore, ROOT_SECRET, WORKLOAD_SECRET, type MeshSecretName, type WorkloadCertificate } from './secret-store.js';
export { identityProblem, spiffeId, type WorkloadIdentity } from './spiffe.js';
export type { KeyAlgorithm, KeyProvider, SecureContextKey, WorkloadKey } from './workload-key.js';
export { DEFAULT_CERT_TTL_SECONDS, IDENTITY_FLAGS, IdentityFlagError, parseTtl, readIdentityFlags, type IdentitySettings } from './flags.js';
