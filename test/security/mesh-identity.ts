// A mesh whose workloads hold SPIFFE identities from the real mesh CA, for the mutual TLS proofs
// of issue #5: the manager runs the CA, sidecars get bootstrap tokens from `isthmus ca token`,
// and the tests act as outside peers with openssl and curl — including as a workload that asks
// the CA for its own certificate (an openssl-made key and CSR, authenticated by a token).
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requestCertificate } from '../../src/ca/index.js';
import { runCli } from '../helpers/cli.js';
import { curl, type CurlResult } from '../helpers/curl.js';
import { Mesh, type Sidecar, type SidecarOptions } from '../proxy/e2e/mesh.js';

export const TRUST_DOMAIN = 'cluster.local';

export function spiffeId(namespace: string, serviceAccount: string): string {
  return `spiffe://${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

/** `openssl ARGS` with `stdin`; resolves with stdout+stderr and the exit code (never rejects on a non-zero exit). */
export function openssl(args: string[], stdin = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: stdout + stderr });
    });
    // openssl may exit before reading its input (openssl req reads none).
    child.stdin?.on('error', () => {});
    child.stdin?.end(stdin);
  });
}

/** Every PEM certificate in `text`, in order. */
export function pemCertificates(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => `${m[0]}\n`);
}

/** The URI SANs of a PEM certificate. */
export function uriSans(pem: string): string[] {
  const san = new X509Certificate(pem).subjectAltName ?? '';
  return san.split(', ').filter((s) => s.startsWith('URI:')).map((s) => s.slice(4));
}

/** Whether `root` (PEM) signed `leaf` (PEM): names and signature. */
export function issuedBy(leaf: string, root: string): boolean {
  const l = new X509Certificate(leaf);
  const r = new X509Certificate(root);
  return l.checkIssued(r) && l.verify(r.publicKey);
}

/** A client identity on disk for curl/openssl: `--cert cert --key key`. */
export interface ClientSvid {
  spiffeId: string;
  certFile: string;
  keyFile: string;
  /** The chain the CA returned, leaf first, root last. */
  chain: string[];
}

export class IdentityMesh {
  private constructor(
    readonly mesh: Mesh,
    /** The CA's gRPC address, `127.0.0.1:PORT`. */
    readonly caAddress: string,
    /** `<ca-dir>/root-cert.pem`: the trust bundle, current root first. */
    readonly bundleFile: string,
    /** Tokens, client keys and certificates the test made. */
    readonly work: string,
  ) {}

  static async start(files: Record<string, string> = {}): Promise<IdentityMesh> {
    const mesh = await Mesh.start(files);
    try {
      const m = await mesh.controlPlane.waitForLine(/ca (127\.0\.0\.1:\d+) trust bundle (\S+) trust domain/);
      const work = await mkdtemp(join(tmpdir(), 'isthmus-mtls-'));
      return new IdentityMesh(mesh, m[1]!, m[2]!, work);
    } catch (e) {
      await mesh.close();
      throw e;
    }
  }

  get caDir(): string {
    return dirname(this.bundleFile);
  }

  /** The trust bundle as it is on disk now, one PEM per root, current first. */
  async roots(): Promise<string[]> {
    return pemCertificates(await readFile(this.bundleFile, 'utf8'));
  }

  /** A bootstrap token for `namespace`/`sa`, written to a file; its path. */
  async tokenFile(sa: string, namespace = 'default'): Promise<string> {
    const r = await runCli(['ca', 'token', '--ca-dir', this.caDir, '--namespace', namespace, '--service-account', sa]);
    if (r.code !== 0) throw new Error(`isthmus ca token: ${r.stderr}`);
    const file = join(this.work, `${namespace}.${sa}.jwt`);
    await writeFile(file, r.stdout.trim());
    return file;
  }

  /** `isthmus proxy` flags that give a sidecar the identity `sa`. */
  async identityArgs(sa: string, o: { certTtl?: string; renewFraction?: number; namespace?: string } = {}): Promise<string[]> {
    return [
      '--service-account', sa, '--ca-address', this.caAddress, '--ca-root', this.bundleFile,
      '--token-file', await this.tokenFile(sa, o.namespace), '--cert-ttl', o.certTtl ?? '24h', '--renew-fraction', String(o.renewFraction ?? 0.5),
    ];
  }

  /** A sidecar with the mesh identity `sa` (its service name by default). */
  async sidecar(o: SidecarOptions & { serviceAccount?: string; certTtl?: string; renewFraction?: number }): Promise<Sidecar> {
    const ids = await this.identityArgs(o.serviceAccount ?? o.service, { certTtl: o.certTtl, renewFraction: o.renewFraction, namespace: o.namespace });
    return this.mesh.sidecar({ ...o, extraArgs: [...ids, ...(o.extraArgs ?? [])] });
  }

  /**
   * A client SVID obtained the way a workload does: an ECDSA P-256 key and CSR made by openssl,
   * sent to the CA with a bootstrap token for `namespace`/`sa`.
   */
  async clientSvid(sa: string, namespace = 'default'): Promise<ClientSvid> {
    const id = spiffeId(namespace, sa);
    const base = join(this.work, `${namespace}.${sa}`);
    const keyFile = `${base}.key.pem`;
    const csr = await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile,
      '-subj', `/O=${sa}`, '-addext', `subjectAltName=URI:${id}`]);
    if (csr.code !== 0) throw new Error(`openssl req: ${csr.out}`);
    const token = (await readFile(await this.tokenFile(sa, namespace), 'utf8')).trim();
    const chain = await requestCertificate({ address: this.caAddress, rootPem: await readFile(this.bundleFile, 'utf8'), csrPem: pemOf(csr.out, 'CERTIFICATE REQUEST'), token });
    const certFile = `${base}.cert.pem`;
    // The leaf and any intermediates; the root is what the peer already trusts.
    await writeFile(certFile, chain.slice(0, Math.max(1, chain.length - 1)).map((p) => p.trim()).join('\n') + '\n');
    return { spiffeId: id, certFile, keyFile, chain };
  }

  /**
   * A client certificate for `namespace`/`sa` that expired an hour ago, signed by openssl with
   * `signer` (the mesh root's own key in `<ca-dir>/root-key.pem`: an SVID that outlived its
   * lifetime — or any other CA's) — what the CA itself would never issue.
   */
  async expiredSvid(signer: { certFile: string; keyFile: string }, sa: string, namespace = 'default'): Promise<ClientSvid> {
    const id = spiffeId(namespace, sa);
    const dir = await mkdtemp(join(this.work, 'expired-'));
    const keyFile = join(dir, 'key.pem');
    const csrFile = join(dir, 'csr.pem');
    const certFile = join(dir, 'cert.pem');
    const req = await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', `/O=${sa}`]);
    if (req.code !== 0) throw new Error(`openssl req: ${req.out}`);
    // `openssl ca` (not `x509 -req`) because only it sets both ends of the validity period.
    await writeFile(join(dir, 'index.txt'), '');
    await writeFile(join(dir, 'ca.cnf'), [
      '[ca]', 'default_ca = signer', '[signer]', `database = ${join(dir, 'index.txt')}`, `new_certs_dir = ${dir}`, `serial = ${join(dir, 'serial')}`,
      'default_md = sha256', 'policy = any', 'unique_subject = no', '[any]', 'organizationName = optional', '',
    ].join('\n'));
    await writeFile(join(dir, 'ext.cnf'), `subjectAltName = critical, URI:${id}\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth, clientAuth\nbasicConstraints = critical, CA:FALSE\n`);
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
    const signed = await openssl(['ca', '-batch', '-config', join(dir, 'ca.cnf'), '-cert', signer.certFile, '-keyfile', signer.keyFile, '-in', csrFile, '-out', certFile,
      '-startdate', hoursAgo(2), '-enddate', hoursAgo(1), '-extfile', join(dir, 'ext.cnf'), '-notext', '-create_serial']);
    if (signed.code !== 0) throw new Error(`openssl ca: ${signed.out}`);
    return { spiffeId: id, certFile, keyFile, chain: [await readFile(certFile, 'utf8')] };
  }

  /** A self-signed CA that is not the mesh's, made by openssl. */
  async foreignCa(): Promise<{ certFile: string; keyFile: string }> {
    const certFile = join(this.work, 'foreign-ca.pem');
    const keyFile = join(this.work, 'foreign-ca.key.pem');
    const r = await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', '/O=elsewhere/CN=Foreign CA', '-days', '30']);
    if (r.code !== 0) throw new Error(`openssl req -x509: ${r.out}`);
    return { certFile, keyFile };
  }

  async close(): Promise<void> {
    await this.mesh.close();
    await rm(this.caDir, { recursive: true, force: true });
    await rm(this.work, { recursive: true, force: true });
  }
}

function pemOf(text: string, label: string): string {
  const m = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`).exec(text);
  if (!m) throw new Error(`no ${label} in: ${text}`);
  return `${m[0]}\n`;
}

/**
 * `openssl s_client` to a sidecar's inbound port, offering `istio` as mesh clients do (a
 * PERMISSIVE port picks its mTLS chain by it) and http/1.1 (what the chain speaks). Resolves with
 * everything it printed.
 */
export async function sClient(port: number, args: string[] = [], stdin = ''): Promise<string> {
  return (await openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-alpn', 'istio,http/1.1', ...args], stdin)).out;
}

/** The leaf certificate a sidecar's inbound port presents now. */
export async function presentedLeaf(port: number, bundleFile: string): Promise<string | undefined> {
  return pemCertificates(await sClient(port, ['-CAfile', bundleFile, '-showcerts']))[0];
}

export interface LoadResult {
  ok: number;
  failures: string[];
}

/**
 * Keeps `concurrency` keep-alive clients sending GETs for `url` through a sidecar's HTTP-proxy
 * port until `stop()` resolves; every answer but a 200 (and every error) is a failure.
 */
export async function loadThrough(sidecar: Sidecar, url: string, concurrency: number, stop: Promise<unknown>): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  let done = false;
  void stop.finally(() => (done = true));
  const result: LoadResult = { ok: 0, failures: [] };
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: sidecar.outboundPort, path: url, agent, headers: { host: target.host }, timeout: 20_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) result.ok++;
          else result.failures.push(`${res.statusCode} ${res.headers['x-envoy-response-flags'] ?? ''}`);
          resolve();
        });
        res.on('error', (e) => {
          result.failures.push(`response: ${e.message}`);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => {
        result.failures.push(`request: ${e.message}`);
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (!done) await one();
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return result;
}

/**
 * curl with a client certificate to a sidecar's inbound port over TLS. curl cannot check a
 * SPIFFE certificate's name (it has no DNS or IP SAN, so curl's host name check always fails),
 * hence `-k`; `%{certs}` hands back the chain it was served so the caller verifies it instead.
 */
export function curlMtls(port: number, svid: ClientSvid | undefined, path = '/hello', extra: string[] = []): Promise<CurlResult & { servedChain: string[] }> {
  const cert = svid ? ['--cert', svid.certFile, '--key', svid.keyFile] : [];
  // The status marker is the curl helper's own; this -w replaces its -w and keeps the marker last.
  return curl(['--max-time', '20', '-k', ...cert, '-w', '%{certs}\n--isthmus-status:%{http_code}', ...extra, `https://127.0.0.1:${port}${path}`]).then((r) => {
    const servedChain = pemCertificates(r.body);
    const body = r.body.replace(/\n?Subject:[\s\S]*$/, '');
    return { ...r, body: servedChain.length ? body : r.body, servedChain };
  });
}

/** Whether a sidecar's metrics show an inbound mTLS request from `principal` (a SPIFFE id). */
export async function sawMtlsFrom(sidecar: Sidecar, principal: string): Promise<boolean> {
  const text = await (await sidecar.admin('/stats/prometheus')).text();
  return text.split('\n').some((l) => l.startsWith('istio_requests_total') && l.includes('reporter="destination"') && l.includes(`source_principal="${principal}"`) && l.includes('connection_security_policy="mutual_tls"'));
}

/** The certificate serials a sidecar's identity agent has logged getting, in order. */
export function loggedSerials(sidecar: Sidecar): string[] {
  return [...sidecar.process.output().matchAll(/identity: certificate for \S+ \(serial ([0-9A-Fa-f]+)\)/g)].map((m) => m[1]!);
}

/** A PeerAuthentication that makes the workloads with `label` (key=value) accept only mutual TLS. */
export function strictPeerAuthentication(name: string, label: [string, string]): string {
  return `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: default}
spec:
  selector: {matchLabels: {${label[0]}: ${label[1]}}}
  mtls: {mode: STRICT}
`;
}
