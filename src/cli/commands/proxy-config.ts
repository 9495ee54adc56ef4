// `isthmus proxy-config`: one proxy's config as the proxy itself holds it, like `istioctl
// proxy-config`. The manager says where the proxy's admin port is (the address the proxy
// advertised when it connected); the proxy's /config_dump, /clusters and /certs say the rest.
import {
  adminAddressOf,
  connectedProxies,
  findProxy,
  managerConfig,
  managerUrl,
  proxyAdmin,
  sectionsNamed,
  SECTIONS,
  type ProxyConfigInput,
  type Section,
} from '../proxy-config/index.js';
import { EXIT, UsageError, oneOfFlag, type Command, type Io } from '../command.js';
import { table, toYaml } from '../output.js';

const SECTION_NAMES = [...SECTIONS.map((s) => s.name), 'all'];
const DEFAULT_MANAGER = '127.0.0.1:15014';

export const proxyConfigCommand: Command = {
  name: 'proxy-config',
  summary: "Show a proxy's listeners, routes, clusters, endpoints or secrets as the proxy holds them",
  usage: `isthmus proxy-config <${SECTION_NAMES.join('|')}> <proxy> [-o table|json|yaml] [--monitoring-address ${DEFAULT_MANAGER}] [--admin HOST:PORT]`,
  examples: [
    'isthmus proxy-config clusters reviews                       # <proxy>: an id from `isthmus proxy-status`, a unique prefix, or the service name',
    'isthmus proxy-config routes sidecar~127.0.0.1~productpage-4242.default~default.svc.cluster.local',
    'isthmus proxy-config endpoints reviews                      # STATUS and OUTLIER CHECK live, as the proxy balances now',
    'isthmus proxy-config secret reviews                         # the workload certificate and trust bundle: serials, validity',
    'isthmus proxy-config listeners reviews -o json              # the raw section of /config_dump',
    'isthmus proxy-config all reviews -o yaml',
    'isthmus proxy-config clusters --admin 127.0.0.1:15000       # ask a proxy directly, without the manager',
    'isthmus proxy-config routes reviews --monitoring-address 127.0.0.1:25014',
  ],
  options: { output: { type: 'string', short: 'o' }, 'monitoring-address': { type: 'string' }, admin: { type: 'string' } },
  async run(values, positionals, io) {
    const [sectionName, query, ...extra] = positionals;
    const format = oneOfFlag(values, 'output', ['table', 'json', 'yaml'], 'table');
    if (!sectionName) throw new UsageError(`name a section: ${SECTION_NAMES.join(', ')}`);
    const sections = sectionsNamed(sectionName);
    if (!sections) throw new UsageError(`unknown section "${sectionName}"; use one of ${SECTION_NAMES.join(', ')}`);
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"; give one section and one proxy`);
    const adminFlag = values.admin as string | undefined;
    if (adminFlag !== undefined && !/^[\w.-]+:\d+$/.test(adminFlag)) throw new UsageError(`--admin is the proxy's admin HOST:PORT (e.g. 127.0.0.1:15000), not "${adminFlag}"`);
    if (!query && adminFlag === undefined) throw new UsageError('name the proxy: an id from `isthmus proxy-status`, a unique prefix, or its service name (or give --admin HOST:PORT)');
    const monitoringFlag = (values['monitoring-address'] as string | undefined) ?? DEFAULT_MANAGER;
    const manager = managerUrl(monitoringFlag);
    if (!manager) throw new UsageError(`--monitoring-address is the manager's monitoring HOST:PORT or http:// URL, not "${monitoringFlag}"`);

    // With --admin the manager is optional: it only names DestinationRules and VirtualServices.
    const name = query ?? adminFlag!;
    const address = adminFlag ?? adminAddressOf(findProxy(await connectedProxies(manager), query!, manager));
    const admin = proxyAdmin(address, name);
    const needs = new Set(sections.flatMap((s) => s.needs));
    const [dump, clustersText, certs, config] = await Promise.all([
      admin.configDump(),
      needs.has('clusters') ? admin.clustersText() : undefined,
      needs.has('certs') ? admin.certs() : undefined,
      needs.has('config') && format === 'table' ? managerConfig(manager) : undefined,
    ]);
    const input: ProxyConfigInput = { dump, now: new Date(), ...(clustersText !== undefined ? { clustersText } : {}), ...(certs ? { certs } : {}), ...(config ? { config } : {}) };
    print(sections, input, format, io);
    return EXIT.OK;
  },
};

function print(sections: readonly Section[], input: ProxyConfigInput, format: string, io: Io): void {
  if (format !== 'table') {
    // One section prints as its raw list; `all` as the whole dump plus the secrets.
    const raw = sections.length === 1 ? sections[0]!.raw(input) : { ...input.dump, certs: input.certs };
    io.out(format === 'json' ? JSON.stringify(raw, null, 2) : toYaml(raw));
    return;
  }
  const blocks: string[] = [];
  for (const s of sections) {
    const rows = s.rows(input);
    if (rows.length) blocks.push(table(s.header, rows));
    else if (sections.length === 1) io.err(s.empty);
  }
  if (blocks.length) io.out(blocks.join('\n\n'));
}
