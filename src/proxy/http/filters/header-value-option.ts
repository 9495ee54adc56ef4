// Envoy's HeaderValueOption (request_headers_to_add, response_headers_to_add, the local rate
// limiter's response headers …) and *_headers_to_remove, for the router and for filters:
//  - append_action APPEND_IF_EXISTS_OR_ADD (default) adds a value, ADD_IF_ABSENT adds only when
//    the header is missing, OVERWRITE_IF_EXISTS_OR_ADD replaces, OVERWRITE_IF_EXISTS replaces
//    only an existing header; the deprecated `append` bool maps to the first or the third and
//    may not be combined with a non-default append_action;
//  - a value that renders empty is dropped unless keep_empty_value;
//  - removals happen first, then every value is rendered against the untouched headers, then
//    overwrites are applied, then additions (Envoy's HeaderParser order);
//  - pseudo-headers and `host` may be neither added nor removed.
import type { Fields, Headers, HttpStream } from '../stream.js';
import { bool, enumName, list, message, reject, str, wrappedBool } from './config-fields.js';
import { addHeader, hasHeader, removeHeader, setHeader } from './header-map.js';
import { compileFormat, type Formatter } from './substitution.js';

export const APPEND_ACTIONS = ['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'] as const;
export type AppendAction = (typeof APPEND_ACTIONS)[number];

export interface CompiledHeaderOption {
  key: string;
  render: Formatter;
  action: AppendAction;
  keepEmpty: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/;
const BAD_VALUE = /[\r\n\0]/;

/** A header name a config may add or remove: an HTTP token, no pseudo-header, not `host`. */
export function checkHeaderName(name: string, field: string): string {
  if (name === '') reject(field, 'is empty');
  if (name.startsWith(':') || name.toLowerCase() === 'host') reject(field, `${name}: pseudo-headers and host may not be modified`);
  if (!TOKEN.test(name)) reject(field, `${JSON.stringify(name)} is not a valid header name`);
  return name.toLowerCase();
}

export function compileHeaderValueOption(option: unknown, field: string): CompiledHeaderOption {
  const o = message(option, field) ?? reject(field, 'is not a HeaderValueOption');
  const header = message(o.header, `${field}.header`) ?? reject(`${field}.header`, 'is required');
  const key = checkHeaderName(str(header.key, `${field}.header.key`), `${field}.header.key`);
  const hasValue = header.value !== undefined && header.value !== '';
  const hasRaw = header.raw_value !== undefined && header.raw_value !== '';
  if (hasValue && hasRaw) reject(`${field}.header`, 'sets both value and raw_value');
  let render: Formatter;
  if (hasRaw) {
    // bytes arrive base64-encoded; raw values are taken literally.
    const raw = Buffer.from(str(header.raw_value, `${field}.header.raw_value`), 'base64').toString('latin1');
    if (BAD_VALUE.test(raw)) reject(`${field}.header.raw_value`, 'holds CR, LF or NUL');
    render = () => raw;
  } else {
    const value = str(header.value, `${field}.header.value`);
    if (BAD_VALUE.test(value)) reject(`${field}.header.value`, 'holds CR, LF or NUL');
    render = compileFormat(value, `${field}.header.value`);
  }
  let action = enumName(o.append_action, APPEND_ACTIONS, `${field}.append_action`, 'APPEND_IF_EXISTS_OR_ADD');
  const append = wrappedBool(o.append, `${field}.append`);
  if (append !== undefined) {
    if (action !== 'APPEND_IF_EXISTS_OR_ADD') reject(field, 'sets both append and append_action');
    action = append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
  }
  return { key, render, action, keepEmpty: bool(o.keep_empty_value, `${field}.keep_empty_value`) };
}

export function compileHeaderValueOptions(options: unknown, field: string): CompiledHeaderOption[] {
  return list(options, field).map((o, i) => compileHeaderValueOption(o, `${field}[${i}]`));
}

/** For the router: check a route's or virtual host's *_headers_to_add when the config arrives. */
export function validateHeaderValueOptions(options: unknown, field: string): void {
  compileHeaderValueOptions(options, field);
}

/** For the router: check *_headers_to_remove when the config arrives. */
export function validateHeadersToRemove(names: unknown, field: string): void {
  list(names, field).forEach((n, i) => checkHeaderName(str(n, `${field}[${i}]`), `${field}[${i}]`));
}

/** Applies one option on its own (the header mutation filter's order: one after the other). */
export function applyOne(headers: Headers, o: CompiledHeaderOption, stream: HttpStream): void {
  const value = o.render(stream);
  if (value === '' && !o.keepEmpty) return;
  switch (o.action) {
    case 'APPEND_IF_EXISTS_OR_ADD': addHeader(headers, o.key, value); return;
    case 'ADD_IF_ABSENT': if (!hasHeader(headers, o.key)) addHeader(headers, o.key, value); return;
    case 'OVERWRITE_IF_EXISTS': if (hasHeader(headers, o.key)) setHeader(headers, o.key, value); return;
    case 'OVERWRITE_IF_EXISTS_OR_ADD': setHeader(headers, o.key, value); return;
  }
}

/** Applies compiled options with Envoy's HeaderParser order (see the header comment). */
export function evaluateHeaderOptions(headers: Headers, options: readonly CompiledHeaderOption[], stream: HttpStream, remove: readonly string[] = []): void {
  for (const name of remove) removeHeader(headers, name);
  const overwrite: [string, string][] = [];
  const add: [string, string][] = [];
  for (const o of options) {
    const value = o.render(stream);
    if (value === '' && !o.keepEmpty) continue;
    const exists = hasHeader(headers, o.key);
    if (o.action === 'APPEND_IF_EXISTS_OR_ADD' || (o.action === 'ADD_IF_ABSENT' && !exists)) add.push([o.key, value]);
    else if (o.action === 'OVERWRITE_IF_EXISTS_OR_ADD' || (o.action === 'OVERWRITE_IF_EXISTS' && exists)) overwrite.push([o.key, value]);
  }
  for (const [k, v] of overwrite) setHeader(headers, k, v);
  for (const [k, v] of add) addHeader(headers, k, v);
}

const compiledLists = new WeakMap<object, CompiledHeaderOption[]>();

/** Options compiled once per list object; an entry that does not compile is left out. */
function compiledOnce(options: readonly Fields[]): CompiledHeaderOption[] {
  let c = compiledLists.get(options);
  if (!c) {
    c = [];
    for (const o of options) {
      try {
        c.push(compileHeaderValueOption(o, 'header'));
      } catch {
        // validateHeaderValueOptions rejects such a config before it is used; skip defensively.
      }
    }
    compiledLists.set(options, c);
  }
  return c;
}

/**
 * For the router: applies a route's, virtual host's or route configuration's
 * request_headers_to_add / response_headers_to_add (object form, as RDS delivers them) and the
 * matching *_headers_to_remove to `headers`, in Envoy's order. Values may use the substitution
 * commands of substitution.ts, rendered against `stream`.
 */
export function applyHeaderValueOptions(
  headers: Headers,
  options: readonly Fields[] | undefined,
  stream: HttpStream,
  remove?: readonly string[],
): void {
  const compiled = options && options.length ? compiledOnce(options) : [];
  // validateHeadersToRemove rejects these at config time; never drop them at run time either.
  const names = (remove ?? []).filter((n) => typeof n === 'string' && !n.startsWith(':') && n.toLowerCase() !== 'host');
  evaluateHeaderOptions(headers, compiled, stream, names);
}
