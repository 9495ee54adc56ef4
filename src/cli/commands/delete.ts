import { kindByName } from '../../api/index.js';
import { openStore } from '../../store/index.js';
import { CONFIG_DIR_OPTION, EXIT, UsageError, configDir, type Command } from '../command.js';
import { readInputs } from './apply.js';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Delete resources from the config store',
  usage: 'isthmus delete KIND NAME [-n NAMESPACE] | isthmus delete -f FILE|DIR|- [--config-dir DIR]',
  examples: ['isthmus delete virtualservice reviews', 'isthmus delete dr reviews -n bookinfo', 'isthmus delete -f samples/bookinfo/networking/virtual-service-all-v1.yaml'],
  options: {
    filename: { type: 'string', short: 'f', multiple: true },
    namespace: { type: 'string', short: 'n' },
    ...CONFIG_DIR_OPTION,
  },
  async run(values, positionals, io) {
    let targets: { kind: string; namespace: string; name: string }[];
    if (values.filename) {
      const loaded = await readInputs(values, io);
      if (loaded.errors.length > 0) {
        for (const e of loaded.errors) io.err(e.message);
        return EXIT.FAILURE;
      }
      targets = loaded.resources.map(({ resource: r }) => ({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name }));
    } else {
      const [kindName, name] = positionals;
      if (!kindName || !name) throw new UsageError('give KIND and NAME, or -f FILE');
      const info = kindByName(kindName);
      if (!info) throw new UsageError(`unknown kind "${kindName}"`);
      targets = [{ kind: info.kind, namespace: (values.namespace as string | undefined) ?? 'default', name }];
    }
    const store = await openStore({ backend: 'file', dir: configDir(values) });
    let failed = false;
    try {
      for (const t of targets) {
        if (!(await store.get(t.kind, t.namespace, t.name))) {
          io.err(`error: ${t.kind} "${t.name}" not found in namespace "${t.namespace}"`);
          failed = true;
          continue;
        }
        await store.delete(t.kind, t.namespace, t.name);
        io.out(`${t.kind.toLowerCase()}/${t.name} deleted`);
      }
    } finally {
      await store.close();
    }
    return failed ? EXIT.FAILURE : EXIT.OK;
  },
};
