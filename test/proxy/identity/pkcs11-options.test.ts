// The pkcs11 provider's settings: every bad value is refused with the variable to fix.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { checkInstalled, DEFAULT_CLIENT_MODULE, DEFAULT_TOKEN_MODULE, parsePkcs11Options, privateKeyUri } from '../../../src/proxy/identity/pkcs11/index.js';

describe('pkcs11 provider options', () => {
  test('in-process defaults to SoftHSM2; out-of-process to p11-kit-client.so with a server address', () => {
    const a = parsePkcs11Options({ ISTHMUS_PKCS11_TOKEN: 't', ISTHMUS_PKCS11_PIN: '1234' });
    assert.equal(a.mode, 'in-process');
    assert.equal(a.modulePath, DEFAULT_TOKEN_MODULE);
    const b = parsePkcs11Options({ ISTHMUS_PKCS11_MODE: 'out-of-process', ISTHMUS_PKCS11_TOKEN: 't', ISTHMUS_PKCS11_PIN: '1234', P11_KIT_SERVER_ADDRESS: 'unix:path=/run/p11.sock' });
    assert.equal(b.modulePath, DEFAULT_CLIENT_MODULE);
    assert.equal(b.serverAddress, 'unix:path=/run/p11.sock');
  });

  test('reads the PIN from a file, without its trailing newline', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isthmus-pin-'));
    try {
      fs.writeFileSync(path.join(dir, 'pin'), '9876\n');
      assert.equal(parsePkcs11Options({ ISTHMUS_PKCS11_TOKEN: 't', ISTHMUS_PKCS11_PIN_FILE: path.join(dir, 'pin') }).pin, '9876');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const cases: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['no token', { ISTHMUS_PKCS11_PIN: '1' }, /ISTHMUS_PKCS11_TOKEN is required/],
    ['bad mode', { ISTHMUS_PKCS11_MODE: 'remote', ISTHMUS_PKCS11_TOKEN: 't', ISTHMUS_PKCS11_PIN: '1' }, /ISTHMUS_PKCS11_MODE must be one of in-process, out-of-process/],
    ['no PIN', { ISTHMUS_PKCS11_TOKEN: 't' }, /ISTHMUS_PKCS11_PIN_FILE/],
    ['both PINs', { ISTHMUS_PKCS11_TOKEN: 't', ISTHMUS_PKCS11_PIN: '1', ISTHMUS_PKCS11_PIN_FILE: '/x' }, /only one of/],
    ['unreadable PIN file', { ISTHMUS_PKCS11_TOKEN: 't', ISTHMUS_PKCS11_PIN_FILE: '/nonexistent/pin' }, /ISTHMUS_PKCS11_PIN_FILE "\/nonexistent\/pin" cannot be read \(ENOENT\)/],
    ['empty PIN', { ISTHMUS_PKCS11_TOKEN: 't', ISTHMUS_PKCS11_PIN: '' }, /PIN is empty/],
    ['long label', { ISTHMUS_PKCS11_TOKEN: 'x'.repeat(33), ISTHMUS_PKCS11_PIN: '1' }, /32 bytes/],
    ['no server address', { ISTHMUS_PKCS11_MODE: 'out-of-process', ISTHMUS_PKCS11_TOKEN: 't', ISTHMUS_PKCS11_PIN: '1' }, /ISTHMUS_PKCS11_SERVER_ADDRESS is required/],
    ['bad server address', { ISTHMUS_PKCS11_MODE: 'out-of-process', ISTHMUS_PKCS11_TOKEN: 't', ISTHMUS_PKCS11_PIN: '1', ISTHMUS_PKCS11_SERVER_ADDRESS: 'tcp:1.2.3.4' }, /unix:path=/],
  ];
  for (const [name, env, message] of cases) {
    test(`refuses ${name}`, () => assert.throws(() => parsePkcs11Options(env), message));
  }

  test('a missing engine or module names the Debian package', () => {
    const base = parsePkcs11Options({ ISTHMUS_PKCS11_TOKEN: 't', ISTHMUS_PKCS11_PIN: '1' });
    assert.throws(() => checkInstalled({ ...base, enginePath: '/nonexistent/pkcs11.so' }), /apt-get install libengine-pkcs11-openssl, or set ISTHMUS_PKCS11_ENGINE/);
    assert.throws(() => checkInstalled({ ...base, modulePath: '/nonexistent/libtoken.so' }), /set ISTHMUS_PKCS11_MODULE/);
  });

  test('URIs percent-encode labels, ids and PINs so none can add an attribute', () => {
    assert.equal(privateKeyUri({ tokenLabel: 'my token;x', id: Buffer.from([1, 0xab]), pin: 'a;b=c' }), 'pkcs11:token=my%20token%3bx;id=%01%ab;type=private;pin-value=a%3bb%3dc');
  });
});
