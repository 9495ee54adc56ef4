// Headers (VirtualService `headers`) → Envoy header manipulation. `set` overwrites, `add`
// appends; setting `:authority`/`host` on the request is a host rewrite.
import type { Headers } from '../../api/networking/virtual-service.js';

export type HeaderFields = {
  request_headers_to_add?: Record<string, unknown>[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: Record<string, unknown>[];
  response_headers_to_remove?: string[];
};

function isAuthority(name: string): boolean {
  const n = name.toLowerCase();
  return n === ':authority' || n === 'host';
}

function toAdd(set: Record<string, string> | undefined, add: Record<string, string> | undefined): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [key, value] of Object.entries(set ?? {})) {
    if (!isAuthority(key)) out.push({ header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
  }
  for (const [key, value] of Object.entries(add ?? {})) {
    if (!isAuthority(key)) out.push({ header: { key, value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' });
  }
  return out;
}

export function headerFields(h: Headers | undefined): HeaderFields {
  const out: HeaderFields = {};
  const reqAdd = toAdd(h?.request?.set, h?.request?.add);
  if (reqAdd.length) out.request_headers_to_add = reqAdd;
  if (h?.request?.remove?.length) out.request_headers_to_remove = [...h.request.remove];
  const resAdd = toAdd(h?.response?.set, h?.response?.add);
  if (resAdd.length) out.response_headers_to_add = resAdd;
  if (h?.response?.remove?.length) out.response_headers_to_remove = [...h.response.remove];
  return out;
}

/** The authority a request header operation sets, if any (becomes host_rewrite_literal). */
export function authorityOverride(h: Headers | undefined): string | undefined {
  for (const op of [h?.request?.set, h?.request?.add]) {
    for (const [k, v] of Object.entries(op ?? {})) if (isAuthority(k)) return v;
  }
  return undefined;
}
