// Errors the xDS transport raises. Each carries a stable code so callers and tests can tell
// kinds apart, and a message that says what to change.

export type XdsErrorCode =
  | 'INVALID_NODE' // the xDS Node a client sent cannot identify a proxy
  | 'INVALID_RESOURCE' // a generator produced a resource that cannot be encoded
  | 'PROTO_LOAD'; // the Envoy .proto files could not be loaded

export class XdsError extends Error {
  override readonly name: string = 'XdsError';
  constructor(
    readonly code: XdsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The client's `Node` is unusable; its stream ends with INVALID_ARGUMENT and this message. */
export class InvalidNodeError extends XdsError {
  override readonly name = 'InvalidNodeError';
  constructor(
    /** The Node field at fault, e.g. `id` or `metadata.LABELS`. */
    readonly field: string,
    problem: string,
  ) {
    super('INVALID_NODE', `xDS node ${field}: ${problem}`);
  }
}

/** A resource in plain object form does not match its Envoy message (a translation bug). */
export class ResourceEncodeError extends XdsError {
  override readonly name = 'ResourceEncodeError';
  constructor(
    readonly resourceName: string,
    /** Path inside the resource, e.g. `filter_chains[0].filters[0].typed_config`. */
    readonly path: string,
    problem: string,
  ) {
    super('INVALID_RESOURCE', `resource "${resourceName}"${path ? ` at ${path}` : ''}: ${problem}`);
  }
}
