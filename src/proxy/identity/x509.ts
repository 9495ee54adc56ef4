// The one place the proxy loads @peculiar/x509: its decorators need reflect-metadata loaded
// first, so every proxy module that builds X.509 structures (CSRs) imports it through here.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const subtle = webcrypto.subtle;
