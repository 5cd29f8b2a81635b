/**
 * Split-view detection (docs/protocol.md §6.7): texts and receipts carry the
 * device-list heads the sender holds for its own account and for the
 * recipient's. A receiver compares them with the heads it verified itself:
 * two different lists at one version, or a peer that has verified a newer
 * list of an account than the relay will show us, means the relay shows
 * different lists to different people, and the contact is flagged.
 */
import type { Content, ListHeads } from '../../shared/wire/content';
import type { LocalStore } from '../store';
import type { ListHead } from '../store/listHeads';

/** What comparing one claimed head with our own says: agree, we are behind (fetch again), or a split view. */
export type HeadVerdict = 'agree' | 'behind' | 'split';

/** Compares the head a peer claims for an account with the one we verified (null: none yet). Pure. */
export function compareHead(ours: ListHead | null, claimed: { version: number; hash: string } | null): HeadVerdict {
  if (!claimed || !ours) return claimed && !ours ? 'behind' : 'agree';
  if (claimed.version === ours.version) return claimed.hash === ours.head ? 'agree' : 'split';
  return claimed.version > ours.version ? 'behind' : 'agree';
}

const head = (h: ListHead | null): { version: number; hash: string } | null => (h ? { version: h.version, hash: h.head } : null);

/**
 * `content` with the heads this profile holds for its own account and
 * `peer`'s, on the kinds that carry them (text, receipt). `read` reads one
 * head (a send batch passes one that reads each account once per chunk).
 */
export function withHeads(
  store: LocalStore, ownAccount: string, peer: string | undefined, content: Content, read: (accountId: string) => ListHead | null = (a) => store.listHeads.get(a),
): Content {
  if (!peer || peer === ownAccount || (content.type !== 'text' && content.type !== 'receipt')) return content;
  return { ...content, heads: { sender: head(read(ownAccount)), recipient: head(read(peer)) } };
}

/**
 * Checks the heads a contact sent: a split at either account flags the
 * contact and is audited; returns whether the contact has verified a newer
 * list of its own account than we have (fetch it again; if the relay still
 * serves an older one after that, `confirmBehind` flags it as withheld).
 */
export function checkHeads(store: LocalStore, ownAccount: string, peer: string, heads: ListHeads | undefined): 'ok' | 'behind' | 'split' {
  if (!heads) return 'ok';
  const theirs = compareHead(store.listHeads.get(peer), heads.sender);
  const mine = compareHead(store.listHeads.get(ownAccount), heads.recipient);
  if (theirs === 'split' || mine === 'split') {
    flag(store, peer, theirs === 'split' ? 'split-their-list' : 'split-our-list');
    return 'split';
  }
  return theirs === 'behind' ? 'behind' : 'ok';
}

/** After fetching `peer`'s list again: if the relay still serves an older version than the peer has verified, the list is withheld from us. */
export function confirmBehind(store: LocalStore, peer: string, claimedVersion: number): void {
  if ((store.listHeads.get(peer)?.version ?? 0) < claimedVersion) flag(store, peer, 'list-withheld');
}

function flag(store: LocalStore, peer: string, reason: string): void {
  store.db.transaction(() => {
    store.listHeads.setWarning(peer, reason);
    store.audit.record('devices.split_view', { accountId: peer, reason });
  })();
}
