// The catalog of analysis messages. Codes are stable: tools and docs refer to them, so a code
// is never reused for another meaning. docs/analysis-codes.md describes each one.

export type Severity = 'Error' | 'Warning' | 'Info';

export interface MessageType {
  code: string;
  name: string;
  severity: Severity;
}

export const MESSAGES = {
  SchemaValidationError: { code: 'ISTH0001', name: 'SchemaValidationError', severity: 'Error' },
  YamlSyntaxError: { code: 'ISTH0002', name: 'YamlSyntaxError', severity: 'Error' },
  ReferencedSubsetNotFound: { code: 'ISTH0101', name: 'ReferencedSubsetNotFound', severity: 'Error' },
  ReferencedGatewayNotFound: { code: 'ISTH0102', name: 'ReferencedGatewayNotFound', severity: 'Error' },
  RouteWeightsNotHundred: { code: 'ISTH0103', name: 'RouteWeightsNotHundred', severity: 'Error' },
  MultipleDestinationRulesForHost: { code: 'ISTH0104', name: 'MultipleDestinationRulesForHost', severity: 'Warning' },
  UnknownHost: { code: 'ISTH0105', name: 'UnknownHost', severity: 'Warning' },
  ConflictingPeerAuthentications: { code: 'ISTH0106', name: 'ConflictingPeerAuthentications', severity: 'Error' },
  SelectorMatchesNoWorkload: { code: 'ISTH0107', name: 'SelectorMatchesNoWorkload', severity: 'Info' },
  InvalidGatewayCredential: { code: 'ISTH0108', name: 'InvalidGatewayCredential', severity: 'Error' },
} as const satisfies Record<string, MessageType>;

export interface AnalysisMessage {
  code: string;
  name: string;
  severity: Severity;
  message: string;
  /** `Kind namespace/name` of the resource the message is about, when there is one. */
  resource?: string;
  file?: string;
  line?: number;
}
