// Errors of the pkcs11 key provider. Each names what to change: the setting (environment
// variable), the Debian package to install, or the token state to fix.
export type Pkcs11ErrorCode = 'BAD_OPTION' | 'MISSING_PACKAGE' | 'TOKEN' | 'NOT_PROTECTED' | 'CLOSED';

export class Pkcs11Error extends Error {
  override readonly name = 'Pkcs11Error';
  constructor(readonly code: Pkcs11ErrorCode, message: string) {
    super(message);
  }
}
