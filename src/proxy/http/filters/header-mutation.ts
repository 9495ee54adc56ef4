// The header mutation filter (envoy.extensions.filters.http.header_mutation.v3.HeaderMutation):
// ordered request and response mutations, each a removal or a HeaderValueOption, applied one
// after the other. The listener's mutations run first, then the per-route ones
// (HeaderMutationPerRoute) of every level — most specific first, so the least specific has the
// last word, unless most_specific_header_mutations_wins reverses that.
import type { FilterContext, HttpFilter, HttpFilterFactory } from '../filter.js';
import type { Fields, Headers, HttpStream } from '../stream.js';
import { bool, checkType, list, message, reject, str } from './config-fields.js';
import { applyOne, checkHeaderName, compileHeaderValueOption, type CompiledHeaderOption } from './header-value-option.js';
import { removeHeader } from './header-map.js';
import { allLevels } from './per-route.js';

export const HEADER_MUTATION_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation';
export const HEADER_MUTATION_PER_ROUTE_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute';

type Mutation = { remove: string } | { append: CompiledHeaderOption };

interface Mutations {
  request: Mutation[];
  response: Mutation[];
}

const NONE: Mutations = { request: [], response: [] };

function compileMutation(value: unknown, field: string): Mutation {
  const m = message(value, field) ?? reject(field, 'is not a HeaderMutation');
  const hasRemove = m.remove !== undefined && m.remove !== '';
  const hasAppend = m.append !== undefined && m.append !== null;
  if (hasRemove === hasAppend) reject(field, 'needs exactly one of remove and append');
  if (hasRemove) return { remove: checkHeaderName(str(m.remove, `${field}.remove`), `${field}.remove`) };
  return { append: compileHeaderValueOption(m.append, `${field}.append`) };
}

function compileMutations(value: unknown, field: string): Mutations {
  const m = message(value, field);
  if (!m) return NONE;
  return {
    request: list(m.request_mutations, `${field}.request_mutations`).map((x, i) => compileMutation(x, `${field}.request_mutations[${i}]`)),
    response: list(m.response_mutations, `${field}.response_mutations`).map((x, i) => compileMutation(x, `${field}.response_mutations[${i}]`)),
  };
}

function apply(headers: Headers, mutations: readonly Mutation[], stream: HttpStream): void {
  for (const m of mutations) {
    if ('remove' in m) removeHeader(headers, m.remove);
    else applyOne(headers, m.append, stream);
  }
}

function compilePerRoute(config: Fields): Mutations {
  checkType(config, HEADER_MUTATION_PER_ROUTE_TYPE);
  return compileMutations(config.mutations, 'mutations');
}

class HeaderMutationFilter implements HttpFilter {
  /** Per-route configs compiled once per config object (they live as long as the route table). */
  private readonly perRoute = new WeakMap<Fields, Mutations>();
  /** The route levels chosen on the request, reused on its response. */
  private readonly chosen = new WeakMap<HttpStream, Mutations[]>();

  constructor(
    private readonly own: Mutations,
    private readonly mostSpecificWins: boolean,
    private readonly ctx: FilterContext,
  ) {}

  private routeMutations(stream: HttpStream): Mutations[] {
    let chosen = this.chosen.get(stream);
    if (chosen) return chosen;
    chosen = allLevels(stream, this.ctx.name).map((config) => {
      let m = this.perRoute.get(config);
      if (!m) {
        try {
          m = compilePerRoute(config);
        } catch (err) {
          // validatePerRoute rejects such a route table first; never fail a request over it.
          this.ctx.log(`header mutation: ignoring a bad per-route config: ${(err as Error).message}`);
          m = NONE;
        }
        this.perRoute.set(config, m);
      }
      return m;
    });
    // Most specific first by default: the least specific level is applied last and wins.
    if (this.mostSpecificWins) chosen.reverse();
    this.chosen.set(stream, chosen);
    return chosen;
  }

  decodeHeaders(stream: HttpStream): 'continue' {
    apply(stream.request.headers, this.own.request, stream);
    for (const m of this.routeMutations(stream)) apply(stream.request.headers, m.request, stream);
    return 'continue';
  }

  encodeHeaders(stream: HttpStream, head: { headers: Headers }): void {
    apply(head.headers, this.own.response, stream);
    for (const m of this.routeMutations(stream)) apply(head.headers, m.response, stream);
  }
}

export const headerMutationFilter: HttpFilterFactory = {
  typeUrl: HEADER_MUTATION_TYPE,
  create(config: Fields, ctx: FilterContext): HttpFilter {
    checkType(config, HEADER_MUTATION_TYPE);
    const own = compileMutations(config.mutations, 'mutations');
    const wins = bool(config.most_specific_header_mutations_wins, 'most_specific_header_mutations_wins');
    return new HeaderMutationFilter(own, wins, ctx);
  },
  validatePerRoute(config: Fields): void {
    compilePerRoute(config);
  },
};
