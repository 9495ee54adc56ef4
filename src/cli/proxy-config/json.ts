// Reading the proxy's /config_dump, which is loosely typed JSON: small accessors that never
// throw, so one odd resource shows as "-" in a table instead of failing the whole command.
export type Json = Record<string, unknown>;

export function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/**
 * `filter_metadata.istio.config` of a cluster or route — where Istio names the DestinationRule
 * or VirtualService that made it — read from either plain JSON or protobuf Struct JSON.
 */
export function istioConfigPath(metadata: unknown): string | undefined {
  const istio = obj(obj(obj(metadata).filter_metadata).istio);
  const fields = obj(istio.fields);
  return str(istio.config) ?? str(obj(fields.config).stringValue);
}

/** `/apis/networking.istio.io/v1/namespaces/NS/destination-rule/NAME` → `NAME.NS`, as istioctl prints it. */
export function configPathName(path: string | undefined): string | undefined {
  const m = path ? /\/namespaces\/([^/]+)\/[^/]+\/([^/]+)$/.exec(path) : null;
  return m ? `${m[2]}.${m[1]}` : undefined;
}

/** The common "first, +N more" cell for lists that would make a table unreadable. */
export function firstAndMore(items: readonly string[]): string {
  if (items.length === 0) return '-';
  return items.length === 1 ? items[0]! : `${items[0]} +${items.length - 1} more`;
}
