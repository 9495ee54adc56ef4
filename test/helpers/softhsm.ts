// SoftHSM2 for tests: a token initialised in a temp dir of its own (SOFTHSM2_CONF with its own
// tokendir), a p11-kit server in front of it, a direct PKCS#11 probe (python3 + ctypes) that asks
// the token to reveal or wrap a key, and a throwaway CA (openssl) for certificates from CSRs.
// Missing Debian packages fail the test with the package to install — nothing is skipped.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startProcess, type RunningProcess } from './process.js';

const run = promisify(execFile);

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const P11_KIT_CLIENT = '/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so';
export const PKCS11_ENGINE = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so';

/** Fails (never skips) when a Debian package the token tests need is missing. */
export async function requireTokenPackages(): Promise<void> {
  const files: [string, string][] = [
    [SOFTHSM_MODULE, 'softhsm2'],
    [PKCS11_ENGINE, 'libengine-pkcs11-openssl'],
    [P11_KIT_CLIENT, 'p11-kit-modules'],
  ];
  for (const [file, pkg] of files) if (!fs.existsSync(file)) throw new Error(`${file} is missing: apt-get install ${pkg}`);
  const tools: [string, string[], string][] = [
    ['softhsm2-util', ['--version'], 'softhsm2'],
    ['pkcs11-tool', ['--help'], 'opensc'],
    ['p11-kit', ['--help'], 'p11-kit'],
    ['openssl', ['version'], 'openssl'],
    ['python3', ['--version'], 'python3'],
  ];
  for (const [tool, args, pkg] of tools) {
    try {
      await run(tool, args);
    } catch (e) {
      // pkcs11-tool --help exits 1 but runs; only "not found" means not installed.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} is not on PATH: apt-get install ${pkg}`, { cause: e });
    }
  }
}

export interface SoftHsmToken {
  dir: string;
  /** SOFTHSM2_CONF for every process that opens the token directly. */
  conf: string;
  tokenDir: string;
  label: string;
  pin: string;
  pinFile: string;
  remove(): void;
}

/** A fresh token in its own temp dir: `softhsm2-util --init-token --free`. */
export async function initSoftHsmToken(label = 'isthmus-test'): Promise<SoftHsmToken> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isthmus-softhsm-'));
  const tokenDir = path.join(dir, 'tokens');
  fs.mkdirSync(tokenDir);
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const pin = '246810';
  const pinFile = path.join(dir, 'pin');
  fs.writeFileSync(pinFile, `${pin}\n`, { mode: 0o600 });
  await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', '13579246', '--pin', pin], { env: { ...process.env, SOFTHSM2_CONF: conf } });
  return { dir, conf, tokenDir, label, pin, pinFile, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface P11KitServer {
  /** P11_KIT_SERVER_ADDRESS, as the server printed it. */
  address: string;
  process: RunningProcess;
  stop(): Promise<void>;
}

/** `p11-kit server` exposing the token on a Unix socket; the only process that maps libsofthsm2.so. */
export async function startP11KitServer(token: SoftHsmToken): Promise<P11KitServer> {
  const socket = path.join(token.dir, 'p11-kit.sock');
  const proc = startProcess('p11-kit', ['server', '--foreground', '--name', socket, '--provider', SOFTHSM_MODULE, `pkcs11:token=${token.label}`], { SOFTHSM2_CONF: token.conf });
  const m = await proc.waitForLine(/P11_KIT_SERVER_ADDRESS=([^;\s]+);/);
  const stop = async () => {
    // The server forks a p11-kit-remote per client, which inherits the server's stdout; it would
    // outlive the server (this process's engine still holds its socket) and keep our end of the
    // pipe, and so this process, alive.
    const remotes = proc.child.pid ? childPids(proc.child.pid) : [];
    await proc.stop();
    for (const pid of remotes) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    proc.child.stdout?.destroy();
    proc.child.stderr?.destroy();
  };
  return { address: m[1]!, process: proc, stop };
}

export interface KeyProbe {
  found: boolean;
  sensitive?: boolean;
  extractable?: boolean;
  alwaysSensitive?: boolean;
  neverExtractable?: boolean;
  /** CK_RV of C_GetAttributeValue(CKA_VALUE): 0x11 is CKR_ATTRIBUTE_SENSITIVE. */
  valueRv?: number;
  /** CK_RV of C_GetAttributeValue(CKA_PRIVATE_EXPONENT). */
  privateExponentRv?: number;
  /** CK_RV of C_WrapKey under a fresh AES key: 0x6a is CKR_KEY_UNEXTRACTABLE. */
  wrapRv?: number;
}

export const CKR_ATTRIBUTE_SENSITIVE = 0x11;
export const CKR_ATTRIBUTE_TYPE_INVALID = 0x12;
export const CKR_KEY_UNEXTRACTABLE = 0x6a;

/**
 * Asks the token itself, over raw PKCS#11 (python3 ctypes, no tool in between), for the private
 * key with CKA_ID `idHex`: its protection attributes, its private value, and to wrap it out.
 */
export async function probeTokenKey(opts: { module: string; label: string; pin: string; idHex: string; env: NodeJS.ProcessEnv }): Promise<KeyProbe> {
  const { stdout } = await run('python3', ['-c', PROBE, opts.module, opts.label, opts.pin, opts.idHex], { env: { ...process.env, ...opts.env } });
  return JSON.parse(stdout) as KeyProbe;
}

const PROBE = String.raw`
import ctypes, json, sys
from ctypes import c_ulong, c_void_p, c_ubyte, byref, POINTER, Structure, create_string_buffer, cast
module, token, pin, key_id = sys.argv[1], sys.argv[2], sys.argv[3].encode(), bytes.fromhex(sys.argv[4])
lib = ctypes.CDLL(module)
# Through C_GetFunctionList, the one symbol every module exports (p11-kit-client.so exports no other).
NAMES = ('Initialize Finalize GetInfo GetFunctionList GetSlotList GetSlotInfo GetTokenInfo GetMechanismList GetMechanismInfo InitToken InitPIN SetPIN '
         'OpenSession CloseSession CloseAllSessions GetSessionInfo GetOperationState SetOperationState Login Logout CreateObject CopyObject DestroyObject '
         'GetObjectSize GetAttributeValue SetAttributeValue FindObjectsInit FindObjects FindObjectsFinal EncryptInit Encrypt EncryptUpdate EncryptFinal '
         'DecryptInit Decrypt DecryptUpdate DecryptFinal DigestInit Digest DigestUpdate DigestKey DigestFinal SignInit Sign SignUpdate SignFinal '
         'SignRecoverInit SignRecover VerifyInit Verify VerifyUpdate VerifyFinal VerifyRecoverInit VerifyRecover DigestEncryptUpdate DecryptDigestUpdate '
         'SignEncryptUpdate DecryptVerifyUpdate GenerateKey GenerateKeyPair WrapKey').split()
get_list = lib.C_GetFunctionList; get_list.restype = c_ulong
flp = c_void_p(); get_list(byref(flp))
table = ctypes.cast(flp.value + ctypes.sizeof(c_void_p), POINTER(c_void_p))  # after CK_VERSION, padded
class Module: pass
p11 = Module()
for i, name in enumerate(NAMES):
    fn = ctypes.CFUNCTYPE(c_ulong)(table[i]); fn.argtypes = None; setattr(p11, 'C_' + name, fn)
lib = p11
class Attr(Structure): _fields_ = [('type', c_ulong), ('value', c_void_p), ('len', c_ulong)]
class Mech(Structure): _fields_ = [('mechanism', c_ulong), ('param', c_void_p), ('len', c_ulong)]
def ok(rv, what):
    if rv != 0: raise SystemExit(f'{what} failed: CKR 0x{rv:x}')
ok(lib.C_Initialize(None), 'C_Initialize')
n = c_ulong(0); ok(lib.C_GetSlotList(1, None, byref(n)), 'C_GetSlotList')
slots = (c_ulong * n.value)(); ok(lib.C_GetSlotList(1, slots, byref(n)), 'C_GetSlotList')
slot = None
for s in slots[:n.value]:
    info = create_string_buffer(1024); ok(lib.C_GetTokenInfo(c_ulong(s), info), 'C_GetTokenInfo')
    if info.raw[:32].decode().rstrip() == token: slot = s
if slot is None: raise SystemExit(f'token {token} not found')
h = c_ulong(); ok(lib.C_OpenSession(c_ulong(slot), c_ulong(6), None, None, byref(h)), 'C_OpenSession')
ok(lib.C_Login(h, c_ulong(1), pin, c_ulong(len(pin))), 'C_Login')
cls = c_ulong(3); idbuf = create_string_buffer(key_id, len(key_id))
tmpl = (Attr * 2)(Attr(0, cast(byref(cls), c_void_p), 8), Attr(0x102, cast(idbuf, c_void_p), len(key_id)))
ok(lib.C_FindObjectsInit(h, tmpl, c_ulong(2)), 'C_FindObjectsInit')
obj = c_ulong(); found = c_ulong(); ok(lib.C_FindObjects(h, byref(obj), c_ulong(1), byref(found)), 'C_FindObjects'); lib.C_FindObjectsFinal(h)
out = {'found': found.value == 1}
if found.value == 1:
    for name, t in [('sensitive', 0x103), ('extractable', 0x162), ('alwaysSensitive', 0x165), ('neverExtractable', 0x164)]:
        b = c_ubyte(); a = Attr(t, cast(byref(b), c_void_p), 1); ok(lib.C_GetAttributeValue(h, obj, byref(a), c_ulong(1)), name); out[name] = b.value == 1
    # Ask for the private value itself (CKA_VALUE for EC, CKA_PRIVATE_EXPONENT for RSA).
    for name, t in [('valueRv', 0x11), ('privateExponentRv', 0x123)]:
        a = Attr(t, None, 0); out[name] = lib.C_GetAttributeValue(h, obj, byref(a), c_ulong(1))
    # Ask the token to wrap (export) it under a fresh AES key of this session.
    vlen = c_ulong(32); true = c_ubyte(1); false = c_ubyte(0)
    kt = (Attr * 3)(Attr(0x161, cast(byref(vlen), c_void_p), 8), Attr(0x106, cast(byref(true), c_void_p), 1), Attr(0x1, cast(byref(false), c_void_p), 1))
    aes = c_ulong(); ok(lib.C_GenerateKey(h, byref(Mech(0x1080, None, 0)), kt, c_ulong(3), byref(aes)), 'C_GenerateKey')
    wl = c_ulong(0); out['wrapRv'] = lib.C_WrapKey(h, byref(Mech(0x210A, None, 0)), aes, obj, None, byref(wl))
lib.C_Finalize(None)
print(json.dumps(out))
`;

export interface TestCa {
  dir: string;
  caCert: string;
  /** Signs a CSR (keeping its SAN) with the CA: the certificate PEM. */
  issue(csrPem: string): Promise<string>;
  /** A client certificate and key on disk for `openssl s_client -cert/-key` (a test peer's key). */
  client: { cert: string; key: string };
}

/** A throwaway ECDSA CA made by the openssl CLI, standing in for the mesh CA. */
export async function createTestCa(dir: string): Promise<TestCa> {
  fs.mkdirSync(dir, { recursive: true });
  const f = (n: string) => path.join(dir, n);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-subj', '/O=isthmus-test-ca', '-days', '1']);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('client.key'), '-out', f('client.pem'), '-subj', '/CN=peer', '-addext', 'subjectAltName=URI:spiffe://cluster.local/ns/default/sa/peer', '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-days', '1']);
  let serial = 1;
  return {
    dir,
    caCert: f('ca.pem'),
    client: { cert: f('client.pem'), key: f('client.key') },
    async issue(csrPem) {
      const n = serial++;
      fs.writeFileSync(f(`csr-${n}.pem`), csrPem);
      await run('openssl', ['x509', '-req', '-in', f(`csr-${n}.pem`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', String(1000 + n), '-days', '1', '-copy_extensions', 'copy', '-out', f(`cert-${n}.pem`)]);
      return fs.readFileSync(f(`cert-${n}.pem`), 'utf8');
    },
  };
}

/** Shared objects mapped into process `pid` (from /proc/<pid>/maps). */
export function mappedLibraries(pid: number | 'self' = 'self'): string[] {
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  const libs = new Set<string>();
  for (const line of maps.split('\n')) {
    const file = line.trim().split(/\s+/)[5];
    if (file && file.includes('.so')) libs.add(file);
  }
  return [...libs];
}

/** Files under `root` (recursively) modified at or after `since`, skipping `exclude` folders. */
export function filesModifiedSince(root: string, since: number, exclude: string[] = []): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6 || exclude.some((x) => dir === x || dir.startsWith(`${x}${path.sep}`))) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile()) {
        try {
          if (fs.statSync(p).mtimeMs >= since) out.push(p);
        } catch {
          // gone since the listing
        }
      }
    }
  };
  walk(root, 0);
  return out;
}

export interface MtlsServer {
  port: number;
  /** SPIFFE URIs of the client certificates the server accepted. */
  peers: string[];
  /** Handshakes the server refused, with OpenSSL's reason. */
  errors: string[];
  server: import('node:tls').Server;
  close(): Promise<void>;
}

/** A Node TLS server that requires a client certificate from `caPem`, signing with `key`. */
export async function serveMtls(key: object, certPem: string, caPem: string): Promise<MtlsServer> {
  const tls = await import('node:tls');
  const peers: string[] = [];
  const server = tls.createServer({ ...key, cert: certPem, ca: caPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (socket) => {
    peers.push(socket.getPeerCertificate().subjectaltname ?? '');
    socket.end('hello\n');
  });
  const errors: string[] = [];
  server.on('tlsClientError', (e) => errors.push(e.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as import('node:net').AddressInfo).port,
    peers,
    errors,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `openssl s_client` as the mTLS peer: verifies the server's chain to `caCert` and presents the client certificate. */
export async function opensslSClient(port: number, ca: TestCa): Promise<string> {
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', ca.caCert, '-cert', ca.client.cert, '-key', ca.client.key, '-verify_return_error', '-brief'],
      { timeout: 20_000 },
      // The exit status is not the verdict: s_client may see the server's close race its own
      // (stdin is empty, so it hangs up at once). The handshake lines it printed are.
      (err, out, errOut) => (err && !/CONNECTION ESTABLISHED/.test(errOut) ? reject(new Error(`openssl s_client failed: ${errOut || err.message}`)) : resolve({ stdout: out, stderr: errOut })),
    );
    child.stdin?.end();
  });
  return stdout + stderr;
}

/** Direct children of process `pid`, from the children file of each of its tasks in /proc. */
export function childPids(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).flatMap((t) => fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}
