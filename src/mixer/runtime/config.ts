// Turns the handler, instance and rule resources of the config store into a dispatchable
// configuration: every expression compiled, every reference resolved. A broken resource (or a
// rule pointing at one that does not exist) is left out with a message; the rest keeps working.
import type { Resource } from '../../api/index.js';
import type { HandlerSpec, InstanceSpec, RuleSpec } from '../../api/policy/index.js';
import type { Vocabulary } from '../attributes/vocabulary.js';
import { adapterNamed } from '../adapters/catalog.js';
import { parseRef } from '../adapters/refs.js';
import { compile, type Expression } from '../expr/index.js';
import { compileParams, type CompiledParams } from '../templates/instance-params.js';
import { templateNamed, type Template } from '../templates/templates.js';

export interface CompiledInstance {
  name: string;
  namespace: string;
  template: Template;
  params: CompiledParams;
}

export interface HandlerDef {
  key: string;
  name: string;
  namespace: string;
  adapter: string;
  params: unknown;
  /** Identity of the definition: a handler whose signature is unchanged keeps its adapter (and its state). */
  signature: string;
}

export interface CompiledAction {
  handler: HandlerDef;
  instances: CompiledInstance[];
}

export interface CompiledRule {
  key: string;
  match?: Expression;
  actions: CompiledAction[];
}

export interface MixerConfig {
  handlers: Map<string, HandlerDef>;
  rules: CompiledRule[];
  problems: string[];
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

export function buildConfig(resources: readonly Resource[], vocabulary: Vocabulary): MixerConfig {
  const problems: string[] = [];
  const handlers = new Map<string, HandlerDef>();
  const instances = new Map<string, CompiledInstance>();
  for (const r of resources) {
    const { name, namespace } = r.metadata;
    const where = `${r.kind} ${namespace}/${name}`;
    if (r.kind === 'handler') {
      const spec = r.spec as HandlerSpec;
      const adapter = adapterNamed((spec.compiledAdapter ?? spec.adapter) as string);
      if (!adapter) continue; // the schema reported it
      handlers.set(keyOf(namespace, name), { key: keyOf(namespace, name), name, namespace, adapter: adapter.name, params: spec.params ?? {}, signature: JSON.stringify([adapter.name, spec.params ?? {}]) });
    } else if (r.kind === 'instance') {
      const spec = r.spec as InstanceSpec;
      const template = templateNamed((spec.compiledTemplate ?? spec.template) as string);
      if (!template) continue;
      const { compiled, problems: p } = compileParams(template, spec.params, vocabulary);
      if (!compiled) {
        problems.push(...p.map((x) => `${where}: spec.params.${x.path.join('.')}: ${x.message}`));
        continue;
      }
      instances.set(keyOf(namespace, name), { name, namespace, template, params: compiled });
    }
  }
  const rules: CompiledRule[] = [];
  for (const r of resources) {
    if (r.kind !== 'rule') continue;
    const { name, namespace } = r.metadata;
    const where = `rule ${namespace}/${name}`;
    const spec = r.spec as RuleSpec;
    let match: Expression | undefined;
    try {
      if (spec.match && spec.match.trim() !== '') match = compile(spec.match, vocabulary, 'BOOL');
    } catch (e) {
      problems.push(`${where}: spec.match: ${(e as Error).message}`);
      continue;
    }
    const actions: CompiledAction[] = [];
    let ok = true;
    (spec.actions ?? []).forEach((a, i) => {
      const hr = parseRef(a.handler);
      const handler = handlers.get(keyOf(hr.namespace ?? namespace, hr.name));
      if (!handler) {
        problems.push(`${where}: spec.actions[${i}].handler: no handler "${a.handler}" in namespace ${hr.namespace ?? namespace} (handlers: ${[...handlers.keys()].join(', ') || 'none'}); the rule is not applied`);
        ok = false;
        return;
      }
      const info = adapterNamed(handler.adapter)!;
      const bound: CompiledInstance[] = [];
      a.instances.forEach((ref, j) => {
        const ir = parseRef(ref);
        const inst = instances.get(keyOf(ir.namespace ?? namespace, ir.name));
        if (!inst) {
          problems.push(`${where}: spec.actions[${i}].instances[${j}]: no valid instance "${ref}" in namespace ${ir.namespace ?? namespace}; the rule is not applied`);
          ok = false;
        } else if (!info.templates.includes(inst.template.name)) {
          problems.push(`${where}: spec.actions[${i}].instances[${j}]: adapter ${info.name} (handler ${a.handler}) does not accept ${inst.template.name} instances (it takes ${info.templates.join(', ')}); the rule is not applied`);
          ok = false;
        } else bound.push(inst);
      });
      actions.push({ handler, instances: bound });
    });
    if (ok) rules.push({ key: keyOf(namespace, name), match, actions });
  }
  return { handlers, rules, problems };
}
