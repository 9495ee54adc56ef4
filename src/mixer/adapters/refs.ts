// Names that point at an instance or handler, in every form Istio writes them: `name`,
// `name.namespace`, or `name.<kind>.namespace` (e.g. requestcount.instance.istio-system).

export interface Ref {
  name: string;
  /** Undefined when the reference named none: the referrer's namespace applies. */
  namespace?: string;
}

export function parseRef(text: string): Ref {
  const parts = text.split('.');
  return parts.length === 1 ? { name: text } : { name: parts[0] as string, namespace: parts[parts.length - 1] };
}

/** Whether `ref` names the resource `name` in `namespace` (a bare name matches any namespace). */
export function refMatches(ref: string, name: string, namespace: string): boolean {
  const r = parseRef(ref);
  return r.name === name && (r.namespace === undefined || r.namespace === namespace);
}
