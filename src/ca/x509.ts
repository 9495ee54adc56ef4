// The one place that loads @peculiar/x509, for the CA and for the proxy's CSRs alike: its
// decorators need reflect-metadata loaded first, and every module imports X.509 through here so
// that order can never be broken.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const subtle = webcrypto.subtle;
