// Reading the Bookinfo product page as a test sees it: which reviews version answered, and the
// error texts the demo shows when a service behind it fails.
import { curl } from '../helpers/curl.js';

export interface PageView {
  status: number;
  reviewsVersion?: string;
  ratingsUnavailable: boolean;
  reviewsUnavailable: boolean;
}

export async function productPage(url: string, user?: string): Promise<PageView> {
  const res = await curl([...(user ? ['-b', `user=${user}`] : []), url]);
  return {
    status: res.status,
    reviewsVersion: /Reviews served by: <span>reviews-(v\d)/.exec(res.body)?.[1],
    ratingsUnavailable: res.body.includes('Ratings service is currently unavailable'),
    reviewsUnavailable: res.body.includes('Sorry, product reviews are currently unavailable for this book.'),
  };
}

/** `n` page loads, counted by the reviews version that answered ("none" when reviews failed). */
export async function reviewsVersions(url: string, n: number, user?: string): Promise<{ counts: Record<string, number>; views: PageView[] }> {
  const views: PageView[] = [];
  for (let i = 0; i < n; i++) views.push(await productPage(url, user));
  const counts: Record<string, number> = {};
  for (const v of views) counts[v.reviewsVersion ?? 'none'] = (counts[v.reviewsVersion ?? 'none'] ?? 0) + 1;
  return { counts, views };
}
