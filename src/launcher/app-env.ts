// The environment a workload's program gets from its sidecar: its outbound calls go to the
// sidecar's HTTP-proxy listener (there is no iptables capture to steer them). Both spellings,
// because curl and Go read only the lower-case one for http:// URLs and others the upper-case.
export function appEnv(outboundPort: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const proxy = `http://127.0.0.1:${outboundPort}`;
  // Loopback stays direct: the app's own ports and local tools are not mesh services.
  const noProxy = process.env.NO_PROXY ?? process.env.no_proxy ?? 'localhost,127.0.0.1,::1';
  return { ...process.env, HTTP_PROXY: proxy, http_proxy: proxy, NO_PROXY: noProxy, no_proxy: noProxy, ...extra };
}
