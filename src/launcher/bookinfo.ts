// The demo application `isthmus up` runs: Istio's Bookinfo, one line per workload, and the
// config installed into the store on first run (the services, the gateway, the subsets).
import type { WorkloadSpec } from './workload.js';

const SRC = 'samples/bookinfo/src';

export const BOOKINFO_WORKLOADS: readonly WorkloadSpec[] = [
  { service: 'productpage', version: 'v1', program: ['node', `${SRC}/productpage/productpage.mjs`], serviceAccount: 'bookinfo-productpage' },
  { service: 'details', version: 'v1', program: ['python3', `${SRC}/details/details.py`], serviceAccount: 'bookinfo-details' },
  { service: 'reviews', version: 'v1', program: ['node', `${SRC}/reviews/reviews.mjs`], env: { SERVICE_VERSION: 'v1' }, serviceAccount: 'bookinfo-reviews' },
  { service: 'reviews', version: 'v2', program: ['node', `${SRC}/reviews/reviews.mjs`], env: { SERVICE_VERSION: 'v2' }, serviceAccount: 'bookinfo-reviews' },
  { service: 'reviews', version: 'v3', program: ['node', `${SRC}/reviews/reviews.mjs`], env: { SERVICE_VERSION: 'v3' }, serviceAccount: 'bookinfo-reviews' },
  { service: 'ratings', version: 'v1', program: ['node', `${SRC}/ratings/ratings.mjs`], serviceAccount: 'bookinfo-ratings' },
];

/** Installed once per state dir, in this order; later `isthmus apply`s are the user's own. */
export const BOOKINFO_CONFIG_FILES: readonly string[] = [
  'samples/bookinfo/platform/local/bookinfo-services.yaml',
  'samples/bookinfo/networking/bookinfo-gateway.yaml',
  'samples/bookinfo/networking/destination-rule-all.yaml',
];

export const BOOKINFO_GATEWAY = 'bookinfo-gateway';

/** What a reader of the product page would try next. */
export const BOOKINFO_EXAMPLES: readonly { what: string; file: string }[] = [
  { what: 'send half the reviews traffic to v3 (red stars)', file: 'samples/bookinfo/networking/virtual-service-reviews-50-v3.yaml' },
  { what: 'make ratings fail for user jason (sign in as jason)', file: 'samples/bookinfo/networking/virtual-service-ratings-test-abort.yaml' },
  { what: 'let only reviews (its mTLS identity) read ratings', file: 'samples/bookinfo/networking/authorization-policy-deny-ratings.yaml' },
];
