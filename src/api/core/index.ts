// Kubernetes core kinds the mesh reads (apiVersion `v1`, no group). Unlike Istio's kinds they
// carry their fields beside `metadata`, not under `spec` (KindInfo.specAtTopLevel).
export { secretSpec, secretEntries, certificateOf, caOf, CA_SECRET_SUFFIX, TLS_KEYS, GENERIC_KEYS, TLS_SECRET_TYPE, type SecretSpec } from './secret.js';
export { documentOf } from './document.js';
export { serverCredential, caCredential, type Checked } from './credential.js';
