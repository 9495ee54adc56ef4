// The built-in HTTP filters, by the typed_config type URL that selects them. A listener naming a
// type URL not listed here is rejected (NACKed), unless the filter is marked optional. The router
// is not listed: it needs the proxy's cluster manager and is added where that exists
// (http/filter-registry.ts).
import type { HttpFilterFactory } from '../filter.js';
import { compressorFilter } from './compressor.js';
import { corsFilter } from './cors.js';
import { faultFilter } from './fault.js';
import { headerMutationFilter } from './header-mutation.js';
import { jwtAuthnFilter } from './jwt-authn.js';
import { localRateLimitFilter } from './local-ratelimit.js';
import { mixerFilter } from './mixer.js';
import { rbacFilter } from './rbac.js';

export const BUILTIN_HTTP_FILTERS: readonly HttpFilterFactory[] = [
  faultFilter,
  corsFilter,
  headerMutationFilter,
  localRateLimitFilter,
  compressorFilter,
  jwtAuthnFilter,
  rbacFilter,
  mixerFilter,
];
