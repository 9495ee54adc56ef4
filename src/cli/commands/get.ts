import { documentOf } from '../../api/core/document.js';
import { kindByName, KINDS } from '../../api/index.js';
import { openStore } from '../../store/index.js';
import { CONFIG_DIR_OPTION, EXIT, UsageError, configDir, oneOfFlag, type Command } from '../command.js';
import { table, toYaml, toYamlDocuments } from '../output.js';

export const getCommand: Command = {
  name: 'get',
  summary: 'List or show resources in the config store',
  usage: 'isthmus get KIND [NAME] [-n NAMESPACE | -A] [-o table|yaml|json] [--config-dir DIR]',
  examples: ['isthmus get virtualservices -A', 'isthmus get vs reviews -o yaml', 'isthmus get destinationrule -n bookinfo -o json'],
  options: {
    namespace: { type: 'string', short: 'n' },
    'all-namespaces': { type: 'boolean', short: 'A' },
    output: { type: 'string', short: 'o' },
    ...CONFIG_DIR_OPTION,
  },
  async run(values, positionals, io) {
    const [kindName, name] = positionals;
    if (!kindName) throw new UsageError(`KIND is required; one of ${KINDS.map((k) => k.plural).join(', ')}`);
    const info = kindByName(kindName);
    if (!info) throw new UsageError(`unknown kind "${kindName}"; use one of ${KINDS.map((k) => `${k.plural} (${[k.kind, ...k.shortNames].join(', ')})`).join(', ')}`);
    const format = oneOfFlag(values, 'output', ['table', 'yaml', 'json'], 'table');
    const namespace = values['all-namespaces'] ? undefined : ((values.namespace as string | undefined) ?? 'default');
    const store = await openStore({ backend: 'file', dir: configDir(values) });
    try {
      if (name) {
        const r = await store.get(info.kind, namespace ?? 'default', name);
        if (!r) {
          io.err(`error: ${info.kind} "${name}" not found in namespace "${namespace ?? 'default'}"`);
          return EXIT.FAILURE;
        }
        const doc = documentOf(r);
        io.out(format === 'json' ? JSON.stringify(doc, null, 2) : toYaml(doc));
        return EXIT.OK;
      }
      const list = await store.list({ kind: info.kind, namespace });
      // Printed as the kind is written (a core Secret keeps its fields at the top level).
      const docs = () => list.map((r) => documentOf(r));
      if (format === 'json') io.out(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs() }, null, 2));
      else if (format === 'yaml') io.out(toYamlDocuments(docs()));
      else if (list.length === 0) io.err(`No ${info.plural} found${namespace ? ` in namespace ${namespace}` : ''}.`);
      else {
        io.out(table(['NAMESPACE', 'NAME', 'RESOURCE VERSION'], list.map((r) => [r.metadata.namespace, r.metadata.name, r.metadata.resourceVersion ?? ''])));
      }
      return EXIT.OK;
    } finally {
      await store.close();
    }
  },
};
