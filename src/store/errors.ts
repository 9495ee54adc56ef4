// Typed errors of the config store. Each carries a stable `code` so callers (the CLI, the
// control plane, an HTTP API) can react without parsing messages, and each message says what to do.
import type { ConfigError } from '../api/index.js';

export type StoreErrorCode =
  | 'CONFLICT' // optimistic concurrency: the resourceVersion given is not the stored one
  | 'NOT_FOUND' // delete of a resource that does not exist
  | 'INVALID' // the resource does not validate; nothing was stored
  | 'COMPACTED' // watch from a revision older than the retained history
  | 'BAD_FILE' // file store: the resource lives in a file that currently has errors
  | 'CLOSED' // the store was closed
  | 'IO'; // the backend could not read or write

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
  }
}

export class ConflictError extends StoreError {
  override name = 'ConflictError';
  constructor(
    /** `Kind/namespace/name` */
    readonly key: string,
    /** The resourceVersion the request carried. */
    readonly requested: string,
    /** The stored resourceVersion, or undefined when the resource does not exist. */
    readonly stored: string | undefined,
  ) {
    super('CONFLICT', stored === undefined
      ? `${key}: the request carries resourceVersion "${requested}" but the resource does not exist (it was deleted or never created); re-read it and retry, or drop metadata.resourceVersion to create it`
      : `${key}: the request carries resourceVersion "${requested}" but the stored one is "${stored}" (someone changed it since you read it); re-read the resource and retry your change on top of it`);
  }
}

export class NotFoundError extends StoreError {
  override name = 'NotFoundError';
  constructor(readonly key: string) {
    super('NOT_FOUND', `${key} does not exist; list the resources to check the kind, namespace and name`);
  }
}

export class ValidationError extends StoreError {
  override name = 'ValidationError';
  constructor(readonly errors: readonly ConfigError[]) {
    super('INVALID', `the resource is invalid and was not stored:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
}

export class CompactedError extends StoreError {
  override name = 'CompactedError';
  constructor(readonly requested: number, readonly compacted: number) {
    super('COMPACTED', `cannot watch from revision ${requested}: history up to revision ${compacted} was compacted; list the resources again and watch from the revision of that list`);
  }
}

export class BadFileError extends StoreError {
  override name = 'BadFileError';
  constructor(readonly key: string, readonly file: string, readonly errors: readonly ConfigError[]) {
    super('BAD_FILE', `${key} lives in ${file}, which has errors; fix the file first (${errors[0]?.message ?? 'see errors()'})`);
  }
}

export class StoreClosedError extends StoreError {
  override name = 'StoreClosedError';
  constructor() {
    super('CLOSED', 'the config store is closed; open it again');
  }
}
