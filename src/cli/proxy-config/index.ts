// `isthmus proxy-config`'s parts: finding a proxy through the manager, reading its admin port,
// and one table per section of its config.
import { clustersSection } from './clusters.js';
import { endpointsSection } from './endpoints.js';
import { listenersSection } from './listeners.js';
import { routesSection } from './routes.js';
import { secretsSection } from './secrets.js';
import type { Section } from './section.js';

export { proxyAdmin, type ProxyAdmin } from './admin.js';
export { ProxyConfigError, type ProxyConfigErrorCode } from './errors.js';
export { adminAddressOf, connectedProxies, findProxy, managerConfig, managerUrl, type ConnectedProxy } from './manager.js';
export type { Need, ProxyConfigInput, Section } from './section.js';

export const SECTIONS: readonly Section[] = [listenersSection, routesSection, clustersSection, endpointsSection, secretsSection];

/** The section names, singular or plural as istioctl takes them; `all` is every section. */
export function sectionsNamed(name: string): readonly Section[] | undefined {
  if (name === 'all') return SECTIONS;
  const section = SECTIONS.find((s) => s.name === name || s.name === `${name}s` || `${s.name}s` === name);
  return section ? [section] : undefined;
}
