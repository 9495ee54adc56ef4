// `isthmus analyze`: validation errors plus cross-resource checks, in the spirit of
// `istioctl analyze`. Each analyzer is one file and one concern.
import type { ConfigError, LoadResult } from '../api/index.js';
import { authorizationPolicyAnalyzer } from './authorization-policy.js';
import { AnalysisContext, type Analyzer } from './context.js';
import { destinationRuleAnalyzer } from './destination-rules.js';
import { gatewayAnalyzer } from './gateways.js';
import { gatewayCredentialAnalyzer } from './gateway-credentials.js';
import { hostAnalyzer } from './hosts.js';
import { MESSAGES, type AnalysisMessage, type Severity } from './messages.js';
import { peerAuthenticationAnalyzer } from './peer-authentication.js';
import { subsetAnalyzer } from './subsets.js';
import { weightAnalyzer } from './weights.js';

export { MESSAGES, type AnalysisMessage, type Severity } from './messages.js';

export interface AnalyzeOptions {
  /** Hosts a live registry knows (fully qualified), so they do not count as unknown. */
  registeredHosts?: readonly string[];
  rootNamespace?: string;
}

export function analyze(input: LoadResult, opts: AnalyzeOptions = {}): AnalysisMessage[] {
  const analyzers: Analyzer[] = [
    subsetAnalyzer,
    gatewayAnalyzer,
    gatewayCredentialAnalyzer,
    weightAnalyzer,
    destinationRuleAnalyzer,
    hostAnalyzer(opts.registeredHosts),
    peerAuthenticationAnalyzer,
    authorizationPolicyAnalyzer,
  ];
  const ctx = new AnalysisContext(input.resources, opts.rootNamespace);
  const messages = [...input.errors.map(fromConfigError), ...analyzers.flatMap((a) => a.analyze(ctx))];
  return messages.sort(bySeverityThenPlace);
}

function fromConfigError(e: ConfigError): AnalysisMessage {
  const type = e.code === 'YAML_SYNTAX' ? MESSAGES.YamlSyntaxError : MESSAGES.SchemaValidationError;
  const where = e.path ? `${e.path}: ` : '';
  return {
    code: type.code, name: type.name, severity: type.severity,
    message: `${where}${e.problem}${e.hint ? ` (${e.hint})` : ''}`,
    file: e.position.file, line: e.position.line,
  };
}

const RANK: Record<Severity, number> = { Error: 0, Warning: 1, Info: 2 };

function bySeverityThenPlace(a: AnalysisMessage, b: AnalysisMessage): number {
  return RANK[a.severity] - RANK[b.severity] || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || a.code.localeCompare(b.code);
}

export function hasErrors(messages: readonly AnalysisMessage[]): boolean {
  return messages.some((m) => m.severity === 'Error');
}
