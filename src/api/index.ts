// The config API's public face: kinds, loading and validation, and the error type.
export { ConfigError, formatPath, type ConfigErrorCode, type SourcePosition } from './errors.js';
export { KINDS, kindByName, kindFor, apiVersionsOf, type KindInfo } from './kinds.js';
export { loadText, loadPaths, validateObject, expandPaths, CONFIG_FILE_EXTENSIONS, type LoadedResource, type LoadResult } from './load.js';
export { DEFAULT_NAMESPACE, resourceKey, type ObjectMeta, type Resource, type ResourceOrigin } from './resource.js';
export { parseDuration } from './fields/duration.js';
export { compileRe2, re2Error } from './fields/regex.js';
export { resolveHost, hostMatches, DEFAULT_DOMAIN_SUFFIX } from './hosts.js';
