// Every cluster the proxy knows, kept in step with CDS and EDS. Clusters are updated in place so
// their connection pools and (later) outlier state survive config pushes.
import type { XdsSnapshot } from '../xds-client/index.js';
import { UpstreamCluster } from './cluster.js';

export class ClusterManager {
  private readonly clusters = new Map<string, UpstreamCluster>();

  get(name: string): UpstreamCluster | undefined {
    return this.clusters.get(name);
  }

  names(): string[] {
    return [...this.clusters.keys()].sort();
  }

  all(): IterableIterator<UpstreamCluster> {
    return this.clusters.values();
  }

  apply(snapshot: XdsSnapshot): void {
    for (const [name, config] of snapshot.clusters) {
      const assignment = config.edsServiceName === undefined ? undefined : snapshot.endpoints.get(config.edsServiceName);
      const existing = this.clusters.get(name);
      if (existing) existing.update(config, assignment);
      else this.clusters.set(name, new UpstreamCluster(config, assignment));
    }
    for (const [name, cluster] of this.clusters) {
      if (!snapshot.clusters.has(name)) {
        cluster.close();
        this.clusters.delete(name);
      }
    }
  }

  close(): void {
    for (const c of this.clusters.values()) c.close();
    this.clusters.clear();
  }
}
