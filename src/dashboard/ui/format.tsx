// Numbers as the graph prints them.

export function rate(perSecond: number): string {
  if (perSecond === 0) return '0 rps';
  if (perSecond < 0.1) return `${perSecond.toFixed(2)} rps`;
  if (perSecond < 10) return `${perSecond.toFixed(1)} rps`;
  return `${Math.round(perSecond)} rps`;
}

export function percent(ratio: number): string {
  if (ratio === 0) return '0%';
  if (ratio < 0.001) return '<0.1%';
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`;
}

export function millis(ms: number | null): string {
  if (ms === null) return 'p99 –';
  return ms < 10 ? `p99 ${ms.toFixed(1)} ms` : `p99 ${Math.round(ms)} ms`;
}

/** Edge and node colour by 5xx ratio, Kiali's thresholds: any error is a warning, 20% is bad. */
export function health(errorRatio: number, requestsPerSecond: number): 'idle' | 'ok' | 'warn' | 'bad' {
  if (requestsPerSecond === 0) return 'idle';
  if (errorRatio >= 0.2) return 'bad';
  if (errorRatio > 0) return 'warn';
  return 'ok';
}

export function typeName(typeUrl: string): string {
  const names: Record<string, string> = {
    Listener: 'LDS',
    RouteConfiguration: 'RDS',
    Cluster: 'CDS',
    ClusterLoadAssignment: 'EDS',
    Secret: 'SDS',
  };
  const short = typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
  return names[short] ?? short;
}
