// The compressor filter's compressor_library: gzip and brotli through node:zlib, with Envoy's
// defaults (gzip: level 6, memory level 5, window bits 12, 4 KiB chunks; brotli: quality 3,
// window bits 18, input block bits 24). Each written chunk is flushed (Z_SYNC_FLUSH / brotli
// FLUSH), as Envoy flushes per data frame, so streamed responses (SSE, long polls) keep flowing
// instead of sitting in the compressor. zstd is refused: Node 20's zlib has no zstd.
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { Fields } from '../stream.js';
import { bool, enumName, message, reject, str, wrappedUint } from './config-fields.js';

const T = 'type.googleapis.com/';
export const GZIP_TYPE = `${T}envoy.extensions.compression.gzip.compressor.v3.Gzip`;
export const BROTLI_TYPE = `${T}envoy.extensions.compression.brotli.compressor.v3.Brotli`;
export const ZSTD_TYPE = `${T}envoy.extensions.compression.zstd.compressor.v3.Zstd`;

export interface CompressorLibrary {
  /** The Content-Encoding it produces. */
  encoding: string;
  create(): Transform;
}

function bounded(value: number | undefined, lo: number, hi: number, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (value < lo || value > hi) reject(field, `${value} is not in [${lo}, ${hi}]`);
  return value;
}

const GZIP_LEVELS: Record<string, number> = {
  DEFAULT_COMPRESSION: zlib.constants.Z_DEFAULT_COMPRESSION,
  BEST_SPEED: 1,
  BEST_COMPRESSION: 9,
  ...Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => [`COMPRESSION_LEVEL_${n}`, n])),
};

const GZIP_STRATEGIES = ['DEFAULT_STRATEGY', 'FILTERED', 'HUFFMAN_ONLY', 'RLE', 'FIXED'] as const;
const ZLIB_STRATEGY = {
  DEFAULT_STRATEGY: zlib.constants.Z_DEFAULT_STRATEGY,
  FILTERED: zlib.constants.Z_FILTERED,
  HUFFMAN_ONLY: zlib.constants.Z_HUFFMAN_ONLY,
  RLE: zlib.constants.Z_RLE,
  FIXED: zlib.constants.Z_FIXED,
} as const;

function gzip(c: Fields, field: string): CompressorLibrary {
  let level: number;
  if (c.compression_level === undefined || c.compression_level === null) level = zlib.constants.Z_DEFAULT_COMPRESSION;
  else if (typeof c.compression_level === 'number' && c.compression_level >= 0 && c.compression_level <= 9) level = c.compression_level || zlib.constants.Z_DEFAULT_COMPRESSION;
  else level = GZIP_LEVELS[String(c.compression_level)] ?? reject(`${field}.compression_level`, `${String(c.compression_level)} is not a compression level`);
  const strategy = ZLIB_STRATEGY[enumName(c.compression_strategy, GZIP_STRATEGIES, `${field}.compression_strategy`, 'DEFAULT_STRATEGY')];
  const options: zlib.ZlibOptions = {
    level,
    strategy,
    memLevel: bounded(wrappedUint(c.memory_level, `${field}.memory_level`), 1, 9, 5, `${field}.memory_level`),
    windowBits: bounded(wrappedUint(c.window_bits, `${field}.window_bits`), 9, 15, 12, `${field}.window_bits`),
    chunkSize: bounded(wrappedUint(c.chunk_size, `${field}.chunk_size`), 4096, 65536, 4096, `${field}.chunk_size`),
    flush: zlib.constants.Z_SYNC_FLUSH,
  };
  return { encoding: 'gzip', create: () => zlib.createGzip(options) };
}

const BROTLI_MODES = ['DEFAULT', 'GENERIC', 'TEXT', 'FONT'] as const;
const BROTLI_MODE = {
  DEFAULT: zlib.constants.BROTLI_DEFAULT_MODE,
  GENERIC: zlib.constants.BROTLI_MODE_GENERIC,
  TEXT: zlib.constants.BROTLI_MODE_TEXT,
  FONT: zlib.constants.BROTLI_MODE_FONT,
} as const;

function brotli(c: Fields, field: string): CompressorLibrary {
  const K = zlib.constants;
  const params: Record<number, number> = {
    [K.BROTLI_PARAM_QUALITY]: bounded(wrappedUint(c.quality, `${field}.quality`), 0, 11, 3, `${field}.quality`),
    [K.BROTLI_PARAM_MODE]: BROTLI_MODE[enumName(c.encoder_mode, BROTLI_MODES, `${field}.encoder_mode`, 'DEFAULT')],
    [K.BROTLI_PARAM_LGWIN]: bounded(wrappedUint(c.window_bits, `${field}.window_bits`), 10, 24, 18, `${field}.window_bits`),
    [K.BROTLI_PARAM_LGBLOCK]: bounded(wrappedUint(c.input_block_bits, `${field}.input_block_bits`), 16, 24, 24, `${field}.input_block_bits`),
    [K.BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING]: bool(c.disable_literal_context_modeling, `${field}.disable_literal_context_modeling`) ? 1 : 0,
  };
  const options: zlib.BrotliOptions = {
    params,
    chunkSize: bounded(wrappedUint(c.chunk_size, `${field}.chunk_size`), 4096, 65536, 4096, `${field}.chunk_size`),
    flush: K.BROTLI_OPERATION_FLUSH,
  };
  return { encoding: 'br', create: () => zlib.createBrotliCompress(options) };
}

/** Reads compressor_library (a TypedExtensionConfig). */
export function readCompressorLibrary(value: unknown, field: string): CompressorLibrary {
  const ext = message(value, field) ?? reject(field, 'is required');
  if (str(ext.name, `${field}.name`) === '') reject(`${field}.name`, 'is required');
  const typed = message(ext.typed_config, `${field}.typed_config`) ?? reject(`${field}.typed_config`, 'is required');
  const type = typed['@type'];
  const f = `${field}.typed_config`;
  if (type === GZIP_TYPE) return gzip(typed, f);
  if (type === BROTLI_TYPE) return brotli(typed, f);
  if (type === ZSTD_TYPE) return reject(`${f}`, 'zstd is not available: node:zlib in Node 20 has no zstd; use gzip or brotli');
  return reject(`${f}.@type`, `${String(type)} is not a compressor library this proxy has (gzip, brotli)`);
}
