// The few lines printed once the mesh is up: where to look, and three things to try.
import { relative } from 'node:path';
import { BOOKINFO_EXAMPLES } from './bookinfo.js';
import { DEFAULT_BASE_PORT, type UpLayout } from './layout.js';

export interface SummaryInput {
  layout: UpLayout;
  demo: boolean;
  stateDir: string;
  configDir: string;
  logsDir: string;
  /** The mesh CA's trust bundle (to verify a sidecar's certificate by hand). */
  caRootFile: string;
  elapsedMs: number;
}

const rel = (path: string) => relative(process.cwd(), path) || '.';

/** `isthmus run` finds the mesh of ./.isthmus on its own; another state dir needs the flag. */
function stateFlag(stateDir: string): string {
  return rel(stateDir) === '.isthmus' ? '' : ` --state-dir ${rel(stateDir)}`;
}

/** The default `isthmus apply` store is ./.isthmus/config; other state dirs need the flag. */
function configFlag(configDir: string): string {
  return rel(configDir) === '.isthmus/config' ? '' : ` --config-dir ${rel(configDir)}`;
}

export function productPageUrl(layout: UpLayout): string {
  return `http://127.0.0.1:${layout.gateway.listener}/productpage`;
}

export function upSummary(s: SummaryInput): string {
  const { layout } = s;
  const flag = configFlag(s.configDir);
  const monitoring = `http://127.0.0.1:${layout.monitoring}`;
  const statusFlag = layout.base === DEFAULT_BASE_PORT ? '' : ` --monitoring-address 127.0.0.1:${layout.monitoring}`;
  const lines = [
    '',
    `The mesh is up (${(s.elapsedMs / 1000).toFixed(1)} s).`,
    '',
  ];
  if (s.demo) lines.push(`  Product page   ${productPageUrl(layout)}   (through the ingress gateway; sign in as jason for the user routes)`);
  lines.push(
    `  Dashboard      ${monitoring}/ui/   (live service graph; or run: isthmus dashboard)`,
    `  Manager        ${monitoring}/debug/syncz   (also /debug/configz, /metrics)`,
    `  xDS            127.0.0.1:${layout.xds}   (for "isthmus run --xds" and proxyless gRPC)`,
    `  Mesh CA        127.0.0.1:${layout.ca}   (workload certificates; trust bundle ${rel(s.caRootFile)})`,
    `  Logs           ${relative(process.cwd(), s.logsDir) || s.logsDir}/`,
    '',
    'Try:',
  );
  if (s.demo) {
    for (const e of BOOKINFO_EXAMPLES) lines.push(`  isthmus apply -f ${e.file}${flag}    # ${e.what}`);
  }
  lines.push(
    `  isthmus proxy-status${statusFlag}`,
    `  isthmus run --service job${stateFlag(s.stateDir)} -- curl -s http://productpage:9080/api/v1/products/0/reviews`,
    '',
    'Ctrl-C stops everything; the next "isthmus up" keeps the config you applied.',
  );
  return lines.join('\n');
}
