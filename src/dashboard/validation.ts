// The analyzers' verdict on the config the manager is serving, computed once per snapshot: the
// same checks `isthmus analyze` runs, over the store's resources and the live registry's hosts.
import { analyze, type AnalysisMessage } from '../analyze/index.js';
import type { LoadResult } from '../api/index.js';
import type { PushContext } from '../control/model/index.js';
import type { ConfigStore } from '../store/index.js';

export class ValidationCache {
  private key = '';
  private messages: AnalysisMessage[] = [];

  constructor(private readonly store: ConfigStore) {}

  messagesFor(push: PushContext): AnalysisMessage[] {
    const key = `${push.version}/${this.store.revision()}`;
    if (key !== this.key) {
      // The store already refused files that do not parse (store.errors()); these are the
      // cross-resource checks on what it accepted.
      const input: LoadResult = {
        resources: push.resources.map((resource) => ({ resource, origin: { file: `${resource.kind}/${resource.metadata.namespace}/${resource.metadata.name}`, line: 0, document: 0, namespaced: true } })),
        errors: [],
      };
      this.messages = analyze(input, { registeredHosts: push.registry.services.map((s) => s.hostname), rootNamespace: push.mesh.rootNamespace });
      this.key = key;
    }
    return this.messages;
  }
}
