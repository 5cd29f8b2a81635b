/** Minimal big-endian byte reader/writer for the engine's records and messages. Reads are bounds-checked. */
import { ProtocolError } from './errors';

/** Outputs at least this large are allocated without zero-filling (records with many skipped keys). */
const UNZEROED_MIN = 4096;

/**
 * Writes into one buffer sized by the caller; when the size was exact,
 * finish() returns that buffer without another copy.
 */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #off = 0;

  constructor(capacity = 256) {
    // Large exact-size outputs skip zero-filling: every byte is written before finish() hands the buffer out.
    this.#buf = capacity >= UNZEROED_MIN ? new Uint8Array(Buffer.allocUnsafeSlow(capacity).buffer, 0, capacity) : new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  #ensure(n: number): void {
    if (this.#off + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#off + n));
    next.set(this.#buf.subarray(0, this.#off));
    this.#buf.fill(0);
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  get length(): number {
    return this.#off;
  }

  u8(v: number): this {
    this.#ensure(1);
    this.#buf[this.#off++] = v;
    return this;
  }

  u16(v: number): this {
    this.#ensure(2);
    this.#view.setUint16(this.#off, v);
    this.#off += 2;
    return this;
  }

  u32(v: number): this {
    this.#ensure(4);
    this.#view.setUint32(this.#off, v);
    this.#off += 4;
    return this;
  }

  /** Overwrites a u32 written earlier at `at` (for length prefixes known only afterwards). */
  patchU32(at: number, v: number): void {
    this.#view.setUint32(at, v);
  }

  /** Milliseconds since the epoch as an IEEE-754 double (exact for any date in range). */
  time(v: number): this {
    this.#ensure(8);
    this.#view.setFloat64(this.#off, v);
    this.#off += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#ensure(b.length);
    this.#buf.set(b, this.#off);
    this.#off += b.length;
    return this;
  }

  /** u32 length then the bytes. */
  block(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }

  /** The written bytes: the buffer itself when it was sized exactly, else a copy of the written part (and the buffer is wiped). */
  finish(): Uint8Array {
    if (this.#off === this.#buf.length) return this.#buf;
    const out = this.#buf.slice(0, this.#off);
    this.#buf.fill(0);
    return out;
  }
}

/** Zeroes bytes in place (what sodium.memzero does, at native fill speed for large blocks). */
export function wipe(b: Uint8Array | null | undefined): void {
  if (b) b.fill(0);
}

/** Reads fixed-size fields from a serialized record in order; any overrun or trailing byte is PROTOCOL_MALFORMED. */
export class ByteReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #off = 0;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  #need(n: number): void {
    if (this.#off + n > this.#buf.length) throw new ProtocolError('PROTOCOL_MALFORMED', 'The data is truncated.');
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.#off++]!;
  }

  u16(): number {
    this.#need(2);
    const v = this.#view.getUint16(this.#off);
    this.#off += 2;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#off);
    this.#off += 4;
    return v;
  }

  time(): number {
    this.#need(8);
    const v = this.#view.getFloat64(this.#off);
    this.#off += 8;
    if (!Number.isFinite(v)) throw new ProtocolError('PROTOCOL_MALFORMED', 'A timestamp is not finite.');
    return v;
  }

  /** A copy of the next `n` bytes. */
  bytes(n: number): Uint8Array {
    this.#need(n);
    const out = this.#buf.slice(this.#off, this.#off + n);
    this.#off += n;
    return out;
  }

  /** A view (no copy) of the next `n` bytes. */
  view(n: number): Uint8Array {
    this.#need(n);
    const out = this.#buf.subarray(this.#off, this.#off + n);
    this.#off += n;
    return out;
  }

  block(): Uint8Array {
    return this.bytes(this.u32());
  }

  rest(): Uint8Array {
    return this.view(this.#buf.length - this.#off);
  }

  end(): void {
    if (this.#off !== this.#buf.length) throw new ProtocolError('PROTOCOL_MALFORMED', 'The data has trailing bytes.');
  }
}

/** Constant-time equality of two byte strings (the length is not secret). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
