// productpage: the page a reader sees. It asks details and reviews (through its sidecar) and
// renders both; a user who logged in (cookie `user`) is sent on as `end-user`, which the
// jason routing and fault samples match on. Each part degrades on its own with Istio's texts.
import { getJson, propagatedHeaders, sendJson, serve } from '../common/mesh-http.mjs';
import { productHtml } from './page.mjs';

const url = (name) => `http://${process.env[`${name.toUpperCase()}_HOSTNAME`] ?? name}:${process.env[`${name.toUpperCase()}_SERVICE_PORT`] ?? 9080}`;
const PRODUCTS = [{ id: 0, title: 'The Comedy of Errors', descriptionHtml: 'Wikipedia Summary: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays.' }];

function userOf(req) {
  const m = /(?:^|;\s*)user=([^;]*)/.exec(req.headers.cookie ?? '');
  return m ? decodeURIComponent(m[1]) : '';
}

function outboundHeaders(req) {
  const headers = propagatedHeaders(req);
  const user = userOf(req);
  if (user) headers['end-user'] = user;
  return headers;
}

async function productPage(req, res) {
  const headers = outboundHeaders(req);
  // Istio's productpage waits 3 s for reviews; the delay sample relies on that.
  const [details, reviews] = await Promise.all([
    getJson(`${url('details')}/details/0`, headers, 3000),
    getJson(`${url('reviews')}/reviews/0`, headers, 3000),
  ]);
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(productHtml({ product: PRODUCTS[0], user: userOf(req), details, reviews }));
}

async function readForm(req) {
  let body = '';
  for await (const c of req) body += c;
  return new URLSearchParams(body);
}

serve('productpage', async (req, res) => {
  const { pathname } = new URL(req.url, 'http://x');
  if (pathname === '/health') return sendJson(res, 200, { status: 'Product page is healthy' });
  if (pathname === '/productpage' || pathname === '/') return productPage(req, res);
  if (pathname === '/login') {
    const user = req.method === 'POST' ? (await readForm(req)).get('username') ?? '' : new URL(req.url, 'http://x').searchParams.get('username') ?? '';
    res.writeHead(302, { location: '/productpage', 'set-cookie': `user=${encodeURIComponent(user)}; Path=/` });
    return res.end();
  }
  if (pathname === '/logout') {
    res.writeHead(302, { location: '/productpage', 'set-cookie': 'user=; Path=/; Max-Age=0' });
    return res.end();
  }
  if (pathname === '/api/v1/products') return sendJson(res, 200, PRODUCTS.map(({ id, title, descriptionHtml }) => ({ id, title, descriptionHtml })));
  const api = /^\/api\/v1\/products\/(\d+)(?:\/(reviews|ratings))?$/.exec(pathname);
  if (api) {
    const [, id, part] = api;
    const upstream = part === 'reviews' ? `${url('reviews')}/reviews/${id}` : part === 'ratings' ? `${url('ratings')}/ratings/${id}` : `${url('details')}/details/${id}`;
    const r = await getJson(upstream, outboundHeaders(req), 3000);
    return r.status === 200 ? sendJson(res, 200, r.value) : sendJson(res, 503, { error: `${part || 'details'} unavailable (${r.status || r.error})` });
  }
  sendJson(res, 404, { error: 'try /productpage' });
});
