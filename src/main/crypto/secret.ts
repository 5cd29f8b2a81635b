/**
 * A holder for secret bytes that never prints: JSON, util.inspect and
 * String() all show "[redacted]". `dispose()` zeroes the bytes in place.
 */
import sodium from 'libsodium-wrappers-sumo';

const REDACTED = '[redacted]';

export class Secret {
  #bytes: Uint8Array | null;
  readonly label: string;

  constructor(label: string, bytes: Uint8Array) {
    this.label = label;
    this.#bytes = bytes;
  }

  /** The bytes; throws once disposed so a use-after-zero is loud, not silent. */
  get bytes(): Uint8Array {
    if (this.#bytes === null) throw new Error(`${this.label} was disposed`);
    return this.#bytes;
  }

  get disposed(): boolean {
    return this.#bytes === null;
  }

  dispose(): void {
    if (this.#bytes !== null) {
      sodium.memzero(this.#bytes);
      this.#bytes = null;
    }
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return `${this.label}(${REDACTED})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
