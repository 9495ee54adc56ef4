import { isDeepStrictEqual } from 'node:util';
import { loadPaths, loadText, type LoadResult } from '../../api/index.js';
import { openStore } from '../../store/index.js';
import { CONFIG_DIR_OPTION, EXIT, UsageError, configDir, type Command, type Io, type Values } from '../command.js';

export const applyCommand: Command = {
  name: 'apply',
  summary: 'Create or update resources in the config store',
  usage: 'isthmus apply -f FILE|DIR|- [-f …] [-n NAMESPACE] [--config-dir DIR]',
  examples: [
    'isthmus apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml',
    'isthmus apply -f samples/bookinfo/networking/ -n bookinfo',
    'cat vs.yaml | isthmus apply -f -',
  ],
  options: {
    filename: { type: 'string', short: 'f', multiple: true },
    namespace: { type: 'string', short: 'n' },
    ...CONFIG_DIR_OPTION,
  },
  async run(values, _pos, io) {
    const loaded = await readInputs(values, io);
    // All or nothing: one invalid document means nothing is written, as a half-applied set of
    // routes can send traffic to subsets that do not exist yet.
    if (loaded.errors.length > 0) {
      for (const e of loaded.errors) io.err(e.message);
      io.err(`error: ${loaded.errors.length} problem(s) found; nothing was applied`);
      return EXIT.FAILURE;
    }
    const store = await openStore({ backend: 'file', dir: configDir(values) });
    try {
      for (const { resource } of loaded.resources) {
        const before = await store.get(resource.kind, resource.metadata.namespace, resource.metadata.name);
        const label = `${resource.kind.toLowerCase()}/${resource.metadata.name}`;
        if (before && isDeepStrictEqual(before.spec, resource.spec) && isDeepStrictEqual(before.metadata.labels, resource.metadata.labels)) {
          io.out(`${label} unchanged`);
          continue;
        }
        await store.apply(resource);
        io.out(`${label} ${before ? 'configured' : 'created'}`);
      }
    } finally {
      await store.close();
    }
    return EXIT.OK;
  },
};

/**
 * Loads every `-f` argument: a file, a directory (recursively) or `-` for standard input.
 * `-n NS` places resources that name no namespace in NS; one that names another is an error, as
 * with kubectl.
 */
export async function readInputs(values: Values, io: Io): Promise<LoadResult> {
  const files = (values.filename as string[] | undefined) ?? [];
  if (files.length === 0) throw new UsageError('-f FILE is required (a file, a directory, or - for standard input)');
  const result: LoadResult = { resources: [], errors: [] };
  for (const f of files) {
    const one = f === '-' ? loadText(await io.stdin(), '<stdin>') : await loadPaths([f]);
    result.resources.push(...one.resources);
    result.errors.push(...one.errors);
  }
  const ns = values.namespace as string | undefined;
  if (ns) {
    for (const { resource, origin } of result.resources) {
      if (!origin.namespaced) resource.metadata.namespace = ns;
      else if (resource.metadata.namespace !== ns) {
        throw new UsageError(`${origin.file}:${origin.line}: ${resource.kind} ${resource.metadata.name} is in namespace "${resource.metadata.namespace}", but -n ${ns} was given`);
      }
    }
  }
  return result;
}
