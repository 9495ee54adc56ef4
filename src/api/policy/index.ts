// config.istio.io/v1alpha2 policy kinds served to Mixer: handler, instance, rule.
export { handlerSpec, type HandlerSpec } from './handler.js';
export { instanceSpec, type InstanceSpec } from './instance.js';
export { ruleSpec, type RuleSpec } from './rule.js';
