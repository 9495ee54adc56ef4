// The caller's side of the CA API (istio-agent's CA client): send a CSR, get the PEM chain back.
// The channel is TLS verified against the mesh root; a workload authenticates with its bootstrap
// token the first time and with its current certificate (mutual TLS) when it renews.
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { caServiceClient, type IstioCertificateResponse } from './proto.js';

/** A private key as tls.createSecureContext takes it: PEM bytes, or a key held in an engine. */
export type ClientKey = { key: string | Buffer } | { privateKeyEngine: string; privateKeyIdentifier: string };

export interface CertificateRequest {
  /** The CA's gRPC address, `host:port`. */
  address: string;
  /** PEM roots the CA's serving certificate must chain to (the trust bundle). */
  rootPem: string;
  csrPem: string;
  /** Requested lifetime; the CA caps it. */
  validitySeconds?: number;
  /** A bootstrap token (`isthmus ca token`), sent as `authorization: Bearer …`. */
  token?: string;
  /** The workload's current certificate, to renew without a token. */
  clientCert?: { certPem: string; key: ClientKey };
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
}

/** The name the CA's serving certificate carries besides localhost and 127.0.0.1. */
export const CA_SERVER_NAME = 'istiod.istio-system.svc';

export class CertificateRequestError extends Error {
  override readonly name = 'CertificateRequestError';
  constructor(readonly code: status, message: string) {
    super(message);
  }
}

/** Resolves with the PEM chain, leaf first, root last. */
export async function requestCertificate(req: CertificateRequest): Promise<string[]> {
  const context = tls.createSecureContext({
    ca: req.rootPem,
    ...(req.clientCert ? { cert: req.clientCert.certPem, ...req.clientCert.key } : {}),
  });
  const Client = caServiceClient();
  // SNI may not be an IP address (RFC 6066); the CA's serving certificate also names istiod's
  // service, which is what istio-agent expects too.
  const host = req.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const options = isIP(host) ? { 'grpc.ssl_target_name_override': CA_SERVER_NAME } : {};
  const client = new Client(req.address, credentials.createFromSecureContext(context), options);
  const metadata = new Metadata();
  if (req.token !== undefined) metadata.set('authorization', `Bearer ${req.token}`);
  const body = { csr: req.csrPem, validity_duration: String(req.validitySeconds ?? 0) };
  try {
    const res = await new Promise<IstioCertificateResponse>((resolve, reject) => {
      const deadline = new Date(Date.now() + (req.timeoutMs ?? 10_000));
      client.CreateCertificate(body, metadata, { deadline }, (err: ServiceError | null, value: IstioCertificateResponse) => (err ? reject(err) : resolve(value)));
    });
    if (!res.cert_chain?.length) throw new CertificateRequestError(status.INTERNAL, `the CA at ${req.address} answered with an empty cert_chain`);
    return res.cert_chain;
  } catch (e) {
    if (e instanceof CertificateRequestError) throw e;
    const se = e as ServiceError;
    throw new CertificateRequestError(se.code ?? status.UNKNOWN, `CA ${req.address}: ${se.details || se.message}`);
  } finally {
    client.close();
  }
}
