/**
 * Signed-prekey lifecycle: a new signed X25519 prekey every
 * SIGNED_PREKEY_ROTATION_MS; a replaced one keeps its private key for
 * SIGNED_PREKEY_GRACE_MS after its successor was created (initial messages
 * still in flight), then is erased from the store.
 */
import { SIGNED_PREKEY_GRACE_MS, SIGNED_PREKEY_ROTATION_MS } from '../../shared/constants';
import { PreKeyPair, generateSignedPreKey, type IdentityKeyPair } from './keys';
import type { SignedPreKeyStore } from './stores';

/** The outcome of one rotation check: the signed prekey to publish, whether it is new, and the ids erased. */
export interface RotationResult {
  /** The signed prekey to publish now (new, or the still-fresh newest one). */
  readonly current: PreKeyPair;
  readonly created: boolean;
  /** Ids erased because their grace period ended. */
  readonly erased: number[];
}

/** Creates a new signed prekey when the newest is SIGNED_PREKEY_ROTATION_MS old, and erases replaced ones past their grace period. */
export async function rotateSignedPreKey(store: SignedPreKeyStore, identity: IdentityKeyPair, now = Date.now()): Promise<RotationResult> {
  const keys: PreKeyPair[] = [];
  for (const id of await store.listSignedPreKeyIds()) {
    const rec = await store.loadSignedPreKey(id);
    if (rec) keys.push(PreKeyPair.deserialize(rec));
  }
  keys.sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
  let current = keys[0];
  let created = false;
  if (!current || now - current.createdAt >= SIGNED_PREKEY_ROTATION_MS) {
    const nextId = keys.reduce((m, k) => Math.max(m, k.id), 0) + 1;
    current = generateSignedPreKey(identity, nextId, now);
    await store.storeSignedPreKey(current.id, current.serialize());
    keys.unshift(current);
    created = true;
  }
  const erased: number[] = [];
  // keys[i] was replaced when keys[i-1] was created; erase it once the grace period after that has passed.
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    if (now - keys[i - 1]!.createdAt >= SIGNED_PREKEY_GRACE_MS) {
      await store.removeSignedPreKey(k.id);
      erased.push(k.id);
    }
    k.dispose();
  }
  return { current, created, erased };
}
