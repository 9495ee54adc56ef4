// Checks an inline JWKS (`jwtRules[].jwks`) when the config is loaded, so a pasted key set with a
// typo fails here with a line number instead of making every token fail at request time.

/** Returns what is wrong with `text` as a JSON Web Key Set, or undefined when it is one. */
export function jwksProblem(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return `jwks is not valid JSON: ${(e as Error).message}`;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'jwks must be a JSON object with a "keys" array';
  const keys = (doc as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return 'jwks has no "keys" array';
  if (keys.length === 0) return 'jwks has an empty "keys" array';
  const bad = keys.findIndex((k) => k === null || typeof k !== 'object' || typeof (k as { kty?: unknown }).kty !== 'string');
  if (bad >= 0) return `jwks keys[${bad}] is not a JSON Web Key (it needs a "kty" member)`;
  return undefined;
}

/** Returns what is wrong with a jwksUri; Istio fetches only over http or https. */
export function jwksUriProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `jwksUri scheme "${url.protocol.slice(0, -1)}" is not supported`;
  if (url.hostname === '') return `"${text}" has no host`;
  return undefined;
}
