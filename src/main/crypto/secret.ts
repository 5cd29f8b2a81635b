/**
 * The one holder for secret bytes in main: it never prints (JSON,
 * util.inspect and String() all show "[redacted]"), and `dispose()` zeroes
 * the bytes in place. The store's key (store/secretKey.ts) is a Secret with
 * a fixed length, and DeviceKeys keeps the account key in one.
 */
import sodium from 'libsodium-wrappers-sumo';

const REDACTED = '[redacted]';

/** Secret bytes that zero on dispose and never print (see the file comment). */
export class Secret {
  #bytes: Uint8Array | null;
  readonly label: string;

  constructor(label: string, bytes: Uint8Array) {
    this.label = label;
    this.#bytes = bytes;
  }

  /** A Secret holding a copy of `bytes` (the caller still zeroes its own). */
  static copyOf(label: string, bytes: Uint8Array): Secret {
    return new Secret(label, bytes.slice());
  }

  /** The bytes; throws once disposed so a use-after-zero is loud, not silent. */
  get bytes(): Uint8Array {
    if (this.#bytes === null) throw this.disposedError();
    return this.#bytes;
  }

  /** The error a use after dispose throws (a layer's own typed error in subclasses). */
  protected disposedError(): Error {
    return new Error(`${this.label} was disposed`);
  }

  /** True once the bytes were zeroed. */
  get disposed(): boolean {
    return this.#bytes === null;
  }

  /** Zeroes the bytes; later reads throw. */
  dispose(): void {
    if (this.#bytes !== null) {
      sodium.memzero(this.#bytes);
      this.#bytes = null;
    }
  }

  /** What JSON.stringify shows. */
  toJSON(): string {
    return REDACTED;
  }

  /** What String() shows. */
  toString(): string {
    return `${this.label}(${REDACTED})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
