/**
 * The contacts service: adding a contact from an invite, trust and safety
 * numbers, and accepting a contact's new account key. Contacts added or
 * re-trusted here are announced on the bus (`contactsEdited`) so the devices
 * service tells our other devices.
 */
import { pinFromCode, storedPins } from '../relayClient/pins';
import { decodeInvite } from '../../shared/wire/invite';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { RELAY_ACTION_WAIT_MS } from '../../shared/constants';
import { safetyNumber, type SafetyNumber } from '../account/safetyNumber';
import { ChatError } from '../account/errors';
import type { ChatContext } from '../conversations/context';
import { errorCode, refreshDevices } from '../conversations/outgoing';
import type { ConversationService } from '../conversations/service';
import type { ContactRow } from '../store/contacts';

/** Contacts, trust and identity changes (see the file comment). */
export class ContactService {
  constructor(
    private readonly ctx: ChatContext,
    private readonly conversations: ConversationService,
  ) {}

  /** Every contact, by name. */
  list(): ContactRow[] {
    return this.ctx.contacts.all();
  }

  /** One contact, or CHAT_UNKNOWN_CONTACT. */
  get(accountId: string): ContactRow {
    return this.conversations.peer(accountId);
  }

  /** The contact shown under `name` (case-insensitive), or CHAT_UNKNOWN_CONTACT. */
  byName(name: string): ContactRow {
    const c = this.ctx.contacts.byName(name);
    if (!c) throw new ChatError('CHAT_UNKNOWN_CONTACT', `You have no contact named “${name}”.`);
    return c;
  }

  /**
   * Adds a contact from their invite code: fetches their signed device list
   * (verified against the account key in the code), starts sessions, and
   * introduces us by name. A known name with a different account key is an
   * identity change that waits for the user's acceptance.
   */
  async add(code: string, name: string): Promise<ContactRow> {
    const { ctx } = this;
    const invite = decodeInvite(code);
    if (invite.relayKey) {
      // The inviter's pin for their relay: ours for that address unless we pinned one already; a conflict is recorded, never adopted.
      const pinned = pinFromCode(storedPins(ctx.store.directory, () => undefined), invite.relayUrl, invite.relayKey);
      if (pinned !== 'already') ctx.audit(pinned === 'pinned' ? 'relay.key_pinned' : 'relay.key_refused', { relayKey: toBase64Url(invite.relayKey), origin: 'invite' });
    }
    const accountId = toBase64Url(invite.accountKey);
    const trimmed = name.trim();
    if (accountId === ctx.keys.accountId) throw new ChatError('CHAT_SELF_CONTACT', 'That is your own invite code.');
    const repo = ctx.contacts;
    const known = repo.get(accountId);
    if (known) return this.#adopt(known, trimmed);
    const sameName = repo.byName(trimmed);
    const client = await ctx.link.online(RELAY_ACTION_WAIT_MS);
    if (!client) throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; adding a contact needs a connection.');
    const list = await client.getDeviceList(accountId);
    if (list.accountId !== accountId) throw new ChatError('CHAT_BAD_DEVICE_LIST', 'The relay answered with another account’s device list.');
    if (sameName) {
      repo.setPendingAccount(sameName.accountId, accountId);
      this.#changed();
      return repo.get(sameName.accountId)!;
    }
    ctx.store.db.transaction(() => {
      // Their profile message may have made the contact while we fetched the list: the name the user chose wins.
      if (repo.get(accountId)) repo.rename(accountId, trimmed);
      else repo.insert({ accountId, name: trimmed, relayUrl: invite.relayUrl }, Date.now());
      repo.setDevices(accountId, list.devices.map((d) => d.deviceId));
      ctx.store.messages.upsertConversation({ id: accountId, kind: 'direct', peerAccountId: accountId, title: trimmed, expireTimerMs: null });
    })();
    await this.conversations.send(accountId, { v: 1, type: 'profile', name: ctx.displayName(), sentAt: Date.now() });
    await ctx.bus.emitAndWait('contactsEdited', [accountId]);
    this.#changed();
    return repo.get(accountId)!;
  }

  /**
   * The safety number with a contact (with their new key while a change awaits
   * acceptance; with the `second` one of two conflicting changes if asked).
   */
  safetyNumber(accountId: string, choice: IdentityChoice = 'first'): SafetyNumber {
    const c = this.get(accountId);
    return safetyNumber(this.ctx.keys.accountPublicKey, fromBase64Url(candidateOf(c, choice))!);
  }

  /** Marks a contact's safety number verified (or not) here and on our other devices. */
  setVerified(accountId: string, verified: boolean): ContactRow {
    const c = this.get(accountId);
    if (c.pendingAccountId) throw new ChatError('CHAT_IDENTITY_CHANGED', 'Accept the new safety number before verifying it.');
    this.ctx.contacts.setTrust(accountId, verified ? 'verified' : 'unverified');
    this.ctx.bus.emit('contactsEdited', [accountId]);
    this.#changed();
    return this.get(accountId);
  }

  /**
   * Accepts a contact's new account key: the conversation continues under it,
   * unverified. With two conflicting changes the user must say which one they
   * verified (`choice`); without it the call is refused, so neither wins by
   * arriving first (issue 13 §1).
   */
  acceptIdentityChange(accountId: string, choice?: IdentityChoice): ContactRow {
    const { ctx } = this;
    const c = this.get(accountId);
    if (!c.pendingAccountId) return c;
    if (c.conflictAccountId && !choice) {
      throw new ChatError('CHAT_IDENTITY_CONFLICT', `Two different new safety numbers arrived for ${c.name}. Compare them with ${c.name} and choose the one that matches.`);
    }
    const next = candidateOf(c, choice ?? 'first');
    ctx.store.accountMoves.contactAccount(accountId, next);
    const client = ctx.link.client;
    // Offline, or the fetch fails: the list is fetched again before the next send to them.
    if (client) void refreshDevices(ctx, client, next).catch((e: unknown) => ctx.audit('devices.refresh_failed', { reason: errorCode(e) }));
    this.#changed();
    return this.get(next);
  }

  /**
   * Adding someone who is already a contact (most often because they added us
   * first and their introduction arrived before we pasted their code) is the
   * same outcome as a fresh add: the name the user typed wins, unless another
   * contact already shows under it.
   */
  async #adopt(known: ContactRow, name: string): Promise<ContactRow> {
    const { ctx } = this;
    const holder = ctx.contacts.byName(name);
    if (known.name === name || (holder && holder.accountId !== known.accountId)) return known;
    ctx.store.db.transaction(() => {
      ctx.contacts.rename(known.accountId, name);
      ctx.store.messages.upsertConversation({ id: known.accountId, kind: 'direct', peerAccountId: known.accountId, title: name, expireTimerMs: ctx.store.messages.timerOf(known.accountId) });
    })();
    await ctx.bus.emitAndWait('contactsEdited', [known.accountId]);
    this.#changed();
    return ctx.contacts.get(known.accountId)!;
  }

  #changed(): void {
    this.ctx.events.contactsChanged();
    this.ctx.events.conversationsChanged();
  }
}

/** Which of two conflicting key changes: the one that arrived first (`pendingAccountId`) or second (`conflictAccountId`). */
export type IdentityChoice = 'first' | 'second';

/** The account key a choice names: the current key when no change is pending; the second only when there is a conflict. */
function candidateOf(c: ContactRow, choice: IdentityChoice): string {
  if (choice === 'second') {
    if (!c.conflictAccountId) throw new ChatError('CHAT_IDENTITY_CONFLICT', `There is no second safety number for ${c.name}.`);
    return c.conflictAccountId;
  }
  return c.pendingAccountId ?? c.accountId;
}
