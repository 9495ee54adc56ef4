// ratings: the stars each reviewer gave a product. GET /ratings/ID answers them; POST /ratings/ID
// with {"Reviewer1": 3, …} changes them (so an AuthorizationPolicy that allows only GET has
// something to deny).
import { sendJson, serve } from '../common/mesh-http.mjs';

const ratings = new Map();
const ratingsOf = (id) => ratings.get(id) ?? { Reviewer1: 5, Reviewer2: 4 };

serve('ratings', async (req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/health') return sendJson(res, 200, { status: 'Ratings is healthy' });
  const m = /^\/ratings\/(\d+)$/.exec(path);
  if (!m) return sendJson(res, 404, { error: 'please use /ratings/ID' });
  const id = Number(m[1]);
  if (req.method === 'POST') {
    let body = '';
    for await (const c of req) body += c;
    try {
      ratings.set(id, { ...ratingsOf(id), ...JSON.parse(body) });
    } catch {
      return sendJson(res, 400, { error: 'the body must be JSON such as {"Reviewer1": 3}' });
    }
  } else if (req.method !== 'GET') {
    return sendJson(res, 405, { error: 'use GET or POST' });
  }
  sendJson(res, 200, { id, ratings: ratingsOf(id) });
});
