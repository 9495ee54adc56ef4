// Evaluates a JwtRequirement tree for one request, as Envoy's verifiers do: a provider needs its
// token present and valid; requires_any passes when one child does, and otherwise reports the most
// telling failure (a real failure over a wrong issuer over a missing token), turned into success
// by allow_missing when nothing but "missing" was found; requires_all needs every child.
import type { RequestHead } from '../../stream.js';
import type { JwtProviderSettings, JwtRequirement } from './config.js';
import { extractToken, type ExtractedToken } from './extract.js';
import { JWT_STATUS, worseOf, type JwtStatus } from './status.js';
import type { VerifiedJwt, VerifyResult } from './verify.js';

export interface VerifiedToken {
  provider: JwtProviderSettings;
  extracted: ExtractedToken;
  jwt: VerifiedJwt;
}

export interface RequirementContext {
  request: RequestHead;
  providers: ReadonlyMap<string, JwtProviderSettings>;
  verify(token: string, provider: JwtProviderSettings, audiences: readonly string[]): Promise<VerifyResult>;
}

/** One request's evaluation: each (provider, audiences) is verified at most once. */
export class RequirementRun {
  readonly verified: VerifiedToken[] = [];
  private readonly results = new Map<string, Promise<JwtStatus>>();

  constructor(private readonly ctx: RequirementContext) {}

  private provider(name: string, audiences?: readonly string[]): Promise<JwtStatus> {
    const p = this.ctx.providers.get(name)!;
    const aud = audiences ?? p.audiences;
    const key = `${name}\u0000${aud.join('\u0000')}`;
    let result = this.results.get(key);
    if (!result) {
      result = this.verifyProvider(p, aud);
      this.results.set(key, result);
    }
    return result;
  }

  private async verifyProvider(p: JwtProviderSettings, audiences: readonly string[]): Promise<JwtStatus> {
    const extracted = extractToken(this.ctx.request, p.locations);
    if (!extracted) return JWT_STATUS.missing;
    const r = await this.ctx.verify(extracted.token, p, audiences);
    if (r.status === JWT_STATUS.ok) this.verified.push({ provider: p, extracted, jwt: r.jwt });
    return r.status;
  }

  private async any(children: readonly JwtRequirement[], allowMissing: boolean, allowFailed: boolean): Promise<JwtStatus> {
    const statuses = await Promise.all(children.map((c) => this.evaluate(c)));
    if (statuses.includes(JWT_STATUS.ok)) return JWT_STATUS.ok;
    const worst = statuses.reduce<JwtStatus>((acc, s) => worseOf(acc, s), JWT_STATUS.missing);
    if (allowFailed || (allowMissing && worst === JWT_STATUS.missing)) return JWT_STATUS.ok;
    return worst;
  }

  /** allow_missing(_or_failed) on its own, or as the only kind in a requires_any: every provider is tried. */
  private allProviders(): JwtRequirement[] {
    return [...this.ctx.providers.keys()].map((provider) => ({ kind: 'provider', provider }));
  }

  async evaluate(r: JwtRequirement): Promise<JwtStatus> {
    switch (r.kind) {
      case 'none': return JWT_STATUS.ok;
      case 'provider': return this.provider(r.provider, r.audiences);
      case 'allow_missing': return this.any(this.allProviders(), true, false);
      case 'allow_missing_or_failed': return this.any(this.allProviders(), false, true);
      case 'all': {
        for (const c of r.of) {
          const s = await this.evaluate(c);
          if (s !== JWT_STATUS.ok) return s;
        }
        return JWT_STATUS.ok;
      }
      case 'any': {
        const allowMissing = r.of.some((c) => c.kind === 'allow_missing');
        const allowFailed = r.of.some((c) => c.kind === 'allow_missing_or_failed');
        const rest = r.of.filter((c) => c.kind !== 'allow_missing' && c.kind !== 'allow_missing_or_failed');
        return this.any(rest.length > 0 ? rest : this.allProviders(), allowMissing, allowFailed);
      }
    }
  }
}
