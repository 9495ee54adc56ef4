// Just enough of the protobuf wire format to write a compressed Report by hand: varints,
// zigzag, doubles, length-delimited bytes. Written straight into one growing Buffer, so a batch
// waiting to be sent is a few Buffers outside the JavaScript heap rather than a graph of
// message objects the garbage collector has to walk and promote (protobufjs's Writer builds a
// linked list of operations per field and finishes them at send time).

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;

const TWO_32 = 4294967296;

/** Bytes a non-negative varint below 2^53 takes. */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  n = Math.floor(n / 0x10000000);
  while (n > 0) {
    size++;
    n = Math.floor(n / 0x80);
  }
  return size;
}

/** sint32's zigzag: 0, -1, 1, -2 … → 0, 1, 2, 3 … (word indices are small, so this stays a Smi). */
export const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);

/** Bytes an int64 field's value takes: negatives are ten (two's complement, as protobuf says). */
export function int64Size(n: number): number {
  return n >= 0 ? varintSize(n) : 10;
}

export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(initial = 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A non-negative varint below 2^53. */
  varint(n: number): void {
    this.ensure(10);
    const b = this.buf;
    while (n >= 0x80) {
      b[this.pos++] = (n & 0x7f) | 0x80;
      n = n < TWO_32 ? n >>> 7 : Math.floor(n / 0x80);
    }
    b[this.pos++] = n;
  }

  /** An int64 field value: a negative number as its 64-bit two's complement. */
  int64(n: number): void {
    if (n >= 0) {
      this.varint(n);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  string(s: string): void {
    const len = Buffer.byteLength(s);
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  /** Another writer's bytes as a length-delimited field. */
  message(field: number, inner: ProtoWriter): void {
    this.tag(field, WIRE_LEN);
    this.varint(inner.pos);
    this.ensure(inner.pos);
    inner.buf.copy(this.buf, this.pos, 0, inner.pos);
    this.pos += inner.pos;
  }

  /** The bytes written so far (a view: copy it if the writer is used again). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
