/**
 * Safety numbers, after Signal's numeric fingerprint (version 0): for each
 * party, SHA-512 iterated SAFETY_NUMBER_ITERATIONS times over
 * version (u16 = 0) ‖ account key ‖ account id, then the first 30 bytes as
 * six 5-byte big-endian chunks, each mod 100000 as five digits. The two
 * 30-digit halves are ordered so both parties see the same 60 digits. The
 * QR payload is "PSN1" ‖ both 32-byte digests in the same order, so a
 * scan compares full digests, not just the digits.
 */
import { createHash } from 'node:crypto';
import { SAFETY_NUMBER_ITERATIONS } from '../../shared/constants';
import { concatBytes, toBase64Url, utf8Bytes } from '../../shared/wire/encoding';

const VERSION = new Uint8Array([0, 0]);

function fingerprint(accountKey: Uint8Array): Uint8Array {
  const id = utf8Bytes(toBase64Url(accountKey));
  let hash = createHash('sha512').update(concatBytes(VERSION, accountKey, id)).digest();
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) {
    hash = createHash('sha512').update(hash).update(accountKey).digest();
  }
  return new Uint8Array(hash.subarray(0, 32));
}

function digits(fp: Uint8Array): string {
  let out = '';
  for (let i = 0; i < 30; i += 5) {
    const chunk = fp[i]! * 2 ** 32 + ((fp[i + 1]! << 24) >>> 0) + (fp[i + 2]! << 16) + (fp[i + 3]! << 8) + fp[i + 4]!;
    out += String(chunk % 100000).padStart(5, '0');
  }
  return out;
}

/** What two users compare to detect a man in the middle: digits to read out and a QR payload to scan. */
export interface SafetyNumber {
  /** 60 digits. */
  readonly digits: string;
  /** The same digits in 12 groups of 5, for display. */
  readonly groups: readonly string[];
  /** Bytes to render as a QR code for in-person comparison. */
  readonly qrPayload: Uint8Array;
}

/** Computes the safety number for a pair of account keys; both sides get the same one, whatever the order. */
export function safetyNumber(ownAccountKey: Uint8Array, theirAccountKey: Uint8Array): SafetyNumber {
  const a = fingerprint(ownAccountKey);
  const b = fingerprint(theirAccountKey);
  const da = digits(a);
  const db = digits(b);
  const [first, second] = da <= db ? [da, db] : [db, da];
  const [fa, fb] = da <= db ? [a, b] : [b, a];
  const all = first + second;
  const groups = all.match(/.{5}/g) ?? [];
  return { digits: all, groups, qrPayload: concatBytes(utf8Bytes('PSN1'), fa, fb) };
}
