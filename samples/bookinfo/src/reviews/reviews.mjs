// reviews: two reviews of a product. SERVICE_VERSION picks Bookinfo's behaviour: v1 shows no
// stars, v2 asks ratings and shows black stars, v3 asks ratings and shows red stars. When
// ratings fails, v2/v3 still answer, with the error Istio's demo shows in place of the stars.
import { getJson, propagatedHeaders, sendJson, serve } from '../common/mesh-http.mjs';

const version = process.env.SERVICE_VERSION ?? 'v1';
const STAR_COLOR = { v2: 'black', v3: 'red' };
const ratingsUrl = `http://${process.env.RATINGS_HOSTNAME ?? 'ratings'}:${process.env.RATINGS_SERVICE_PORT ?? 9080}`;
// As in Istio's reviews: v2 waits 10 s for ratings, v3 2.5 s (the delay sample shows the difference).
const RATINGS_TIMEOUT_MS = version === 'v3' ? 2500 : 10_000;

const REVIEWS = [
  { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!' },
  { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.' },
];

serve(`reviews-${version}`, async (req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/health') return sendJson(res, 200, { status: 'Reviews is healthy' });
  const m = /^\/reviews\/(\d+)$/.exec(path);
  if (!m) return sendJson(res, 404, { error: 'please use /reviews/ID' });
  const id = Number(m[1]);
  const color = STAR_COLOR[version];
  let ratings;
  if (color) ratings = await getJson(`${ratingsUrl}/ratings/${id}`, propagatedHeaders(req), RATINGS_TIMEOUT_MS);
  const reviews = REVIEWS.map((r) => {
    if (!color) return r;
    if (ratings.status !== 200) return { ...r, rating: { error: 'Ratings service is currently unavailable' } };
    return { ...r, rating: { stars: ratings.value.ratings[r.reviewer], color } };
  });
  sendJson(res, 200, { id, podname: `reviews-${version}`, clustername: 'isthmus', reviews });
});
