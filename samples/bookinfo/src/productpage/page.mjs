// The product page's HTML: plain markup, no assets, so it renders the same through any gateway.
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function stars(rating) {
  if (!rating) return '';
  if (rating.error) return `<p class="rating-error" style="color:#b00">${esc(rating.error)}</p>`;
  const n = Math.max(0, Math.min(5, Number(rating.stars) || 0));
  return `<p class="stars" style="color:${esc(rating.color)}">${'★'.repeat(n)}${'☆'.repeat(5 - n)}</p>`;
}

function detailsHtml(details) {
  if (details.status !== 200) return '<p class="error">Sorry, product details are currently unavailable for this book.</p>';
  const d = details.value;
  const rows = [['Type', d.type], ['Pages', d.pages], ['Publisher', d.publisher], ['Language', d.language], ['ISBN-10', d['ISBN-10']], ['ISBN-13', d['ISBN-13']]];
  return `<h4>Book Details</h4><dl>${rows.map(([k, v]) => `<dt>${k}:</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function reviewsHtml(reviews) {
  if (reviews.status !== 200) return '<p class="error">Sorry, product reviews are currently unavailable for this book.</p>';
  const r = reviews.value;
  const items = r.reviews.map((x) => `<blockquote><p>${esc(x.text)}</p><small>${esc(x.reviewer)}</small>${stars(x.rating)}</blockquote>`);
  return `<h4>Book Reviews</h4>${items.join('')}<p class="served-by">Reviews served by: <span>${esc(r.podname)}</span></p>`;
}

export function productHtml({ product, user, details, reviews }) {
  const login = user
    ? `<p>Signed in as <b>${esc(user)}</b> · <a href="/logout">sign out</a></p>`
    : '<form method="post" action="/login"><input name="username" placeholder="user (try jason)"> <button>Sign in</button></form>';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Simple Bookstore App</title></head>
<body style="font-family:sans-serif;max-width:60em;margin:auto">
<h2>BookInfo Sample</h2>${login}
<h3>${esc(product.title)}</h3><p>${product.descriptionHtml}</p>
<div style="display:flex;gap:3em"><div>${detailsHtml(details)}</div><div>${reviewsHtml(reviews)}</div></div>
</body></html>
`;
}
