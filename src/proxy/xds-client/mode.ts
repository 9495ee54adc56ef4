// The ADS protocol variants, apart from the client so the proxy command can check --xds-mode
// without loading gRPC and the Envoy protos first.

/** The ADS protocol variant: state of the world (StreamAggregatedResources) or incremental (DeltaAggregatedResources). */
export type XdsMode = 'sotw' | 'delta';
export const XDS_MODES: readonly XdsMode[] = ['sotw', 'delta'];

export class InvalidXdsModeError extends Error {
  readonly code = 'INVALID_XDS_MODE';
  constructor(mode: unknown) {
    super(`xDS mode must be one of ${XDS_MODES.join(', ')}, not ${JSON.stringify(mode)}`);
    this.name = 'InvalidXdsModeError';
  }
}
