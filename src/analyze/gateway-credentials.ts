// A Gateway server whose credentialName names no usable Secret is never served: the manager
// sends the gateway no certificate, and the listener waits for one. The Secret is looked up in
// the Gateway's namespace (where Istio's gateways usually run; the manager uses the gateway
// proxy's own namespace), the client CA of a MUTUAL server in `<name>-cacert`, else in the
// credential's own `ca.crt`.
import { CA_SECRET_SUFFIX, caCredential, serverCredential, type SecretSpec } from '../api/core/index.js';
import type { Server } from '../api/networking/gateway.js';
import type { AnalysisContext, Analyzer } from './context.js';
import { MESSAGES, type AnalysisMessage } from './messages.js';

/** Modes whose certificate the gateway itself presents from a credential. */
const TERMINATING = new Set(['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL']);

export const gatewayCredentialAnalyzer: Analyzer = {
  name: 'gateway-credentials',
  analyze(ctx: AnalysisContext) {
    const secrets = new Map(ctx.ofKind('Secret').map((s) => [`${s.resource.metadata.namespace}/${s.resource.metadata.name}`, s.resource.spec as SecretSpec]));
    const out: AnalysisMessage[] = [];
    for (const gw of ctx.ofKind('Gateway')) {
      const ns = gw.resource.metadata.namespace;
      for (const server of (gw.resource.spec as { servers?: Server[] }).servers ?? []) {
        const tls = server.tls;
        if (!tls || !TERMINATING.has(tls.mode ?? '')) continue;
        const names = tls.credentialNames?.length ? tls.credentialNames : tls.credentialName ? [tls.credentialName] : [];
        const port = `server on port ${server.port.number}`;
        for (const name of names) {
          const spec = secrets.get(`${ns}/${name}`);
          if (!spec) {
            out.push(ctx.report(MESSAGES.InvalidGatewayCredential, gw, `${port}: credentialName "${name}" names no Secret in namespace "${ns}"; create a Secret of type kubernetes.io/tls with tls.crt and tls.key there`));
            continue;
          }
          const cert = serverCredential(spec);
          if ('problem' in cert) out.push(ctx.report(MESSAGES.InvalidGatewayCredential, gw, `${port}: Secret ${ns}/${name} ${cert.problem}; the gateway gets no certificate until it is fixed`));
        }
        if (tls.mode === 'SIMPLE' || names.length === 0) continue;
        const name = names[0]!;
        const caSpec = secrets.get(`${ns}/${name}${CA_SECRET_SUFFIX}`) ?? secrets.get(`${ns}/${name}`);
        if (!caSpec) continue; // the missing credential is already reported
        const ca = caCredential(caSpec);
        if ('problem' in ca) {
          out.push(ctx.report(MESSAGES.InvalidGatewayCredential, gw, `${port}: ${tls.mode} needs a client CA: add ca.crt to Secret ${ns}/${name} or create Secret ${ns}/${name}${CA_SECRET_SUFFIX} (the CA found ${ca.problem})`));
        }
      }
    }
    return out;
  },
};
