/**
 * "Remove and secure" (docs/protocol.md §6.8), the part after the phrase
 * rotation: the relay records the old account key as superseded (so no list
 * signed by it is stored again: a revoked device holding it can neither
 * re-add itself nor drop or pin anything), and the backup under the old
 * phrase's keys is deleted. What is left to do is persisted with the rotation
 * itself (`SETTING.securePending`), so a crash or a lost connection finishes
 * it on the next connection instead of leaving the old key alive unnoticed.
 */
import { z } from 'zod';
import { RELAY_ACTION_WAIT_MS } from '../../shared/constants';
import type { BackupKeyRecord } from '../account/record';
import { ChatError } from '../account/errors';
import { SETTING } from '../account/settingKeys';
import { retireBackup } from '../backup/retire';
import type { ChatContext } from '../conversations/context';
import { relayHttpBase } from '../relayClient/relayLink';

/** What securing still has to do after the rotation: supersede `oldAccountId` with its signed change, and delete the old backup. */
export interface SecurePending {
  readonly v: 1;
  readonly oldAccountId: string;
  /** The old key's signature of old → new (the same the contacts got in `accountKeyChange`). */
  readonly signature: string;
  readonly backup: BackupKeyRecord | null;
}

const pendingSchema = z.strictObject({
  v: z.literal(1),
  oldAccountId: z.string().length(43),
  signature: z.string().length(86),
  backup: z.strictObject({ id: z.string(), authKey: z.string(), key: z.string() }).nullable(),
});

/** The securing left to do, or null. A row that does not parse is reported, not dropped silently. */
export function securePending(ctx: ChatContext): SecurePending | null {
  const raw = ctx.store.directory.setting(SETTING.securePending);
  if (raw === null || raw === '') return null;
  let json: unknown = null;
  try {
    json = JSON.parse(raw);
  } catch {
    // falls through to the typed error below
  }
  const parsed = pendingSchema.safeParse(json);
  if (!parsed.success) throw new ChatError('CHAT_BAD_ACCOUNT_RECORD', 'The pending "Remove and secure" step is unreadable.');
  return parsed.data;
}

/** Serialises the securing left to do, for the rotation's transaction. */
export const encodeSecurePending = (p: SecurePending): string => JSON.stringify(p);

/**
 * Finishes securing, if anything is pending: supersedes the old key on the
 * relay and deletes the old backup, then clears the record. Throws (typed)
 * when the relay is unreachable or refuses; the record stays for the next try.
 */
export async function finishSecuring(ctx: ChatContext, relayUrl: string): Promise<boolean> {
  const pending = securePending(ctx);
  if (!pending) return false;
  const client = await ctx.link.online(RELAY_ACTION_WAIT_MS);
  if (!client) throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; securing the account finishes once it can.');
  await client.supersedeAccount(pending.oldAccountId, pending.signature);
  const retired = pending.backup ? await retireBackup(relayHttpBase(relayUrl), pending.backup) : { blobs: 0 };
  ctx.store.directory.setSetting(SETTING.securePending, '');
  ctx.audit('account.secured', { previousAccountId: pending.oldAccountId, newAccountId: ctx.keys.accountId, blobs: retired.blobs });
  return true;
}
