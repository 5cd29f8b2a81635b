/**
 * The existing desktop's half of linking. Given the new device's link code
 * (read from its QR or pasted) and the user's confirmation, it packs and
 * uploads the sealed history, publishes a new signed device list naming the
 * new device's key from the code, and posts the provisioning message to the
 * channel from the code, sealed under this session's provisioning key
 * (`ProvisioningSender`), so the new desktop shows the short code this one
 * showed at confirmation. The key material never travels any other way.
 */
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { toBase64Url } from '../../shared/wire/encoding';
import { RELAY_ACTION_WAIT_MS } from '../../shared/constants';
import { decodeLinkCode, type LinkCode } from '../../shared/wire/linkCode';
import { isParleyError } from '../../shared/errors';
import { uploadAttachment } from '../relayClient/blobs';
import { pinFromCode, storedPins } from '../relayClient/pins';
import { relayHttpBase } from '../relayClient/relayLink';
import type { BackupKeyRecord } from '../account/record';
import type { ChatContext } from '../conversations/context';
import { ChatError } from '../account/errors';
import { currentEntries, listOwnDevices, nameDevice, publishList } from '../account/deviceList';
import { counting, HistoryError, writeHistory } from './linkHistory';
import { sealProvisioning } from './provision';
import type { ProvisioningSender } from './provisioningCipher';

/** How far the existing device is with a link: packing the history, sending it, done. */
export interface ProvisionProgress {
  readonly stage: 'packing' | 'sending' | 'done';
  readonly done: number;
  readonly total: number | null;
}

/** Reads a link code and checks it can be used from this device; the UI shows `deviceName` for confirmation. */
export function inspectLink(ctx: ChatContext, code: string, relayUrl: string): LinkCode {
  let link: LinkCode;
  try {
    link = decodeLinkCode(code);
  } catch (e) {
    throw new ChatError('CHAT_LINK_INVALID', isParleyError(e) ? e.message : 'This is not a Parley link code.');
  }
  if (link.relayUrl !== relayUrl) throw new ChatError('CHAT_LINK_INVALID', `The new device uses another relay (${link.relayUrl}); both must use ${relayUrl}.`);
  if (link.relayKey && pinFromCode(storedPins(ctx.store.directory, () => undefined), relayUrl, link.relayKey) === 'conflict') {
    ctx.audit('relay.key_refused', { relayKey: toBase64Url(link.relayKey), origin: 'link' });
    throw new ChatError('CHAT_LINK_INVALID', 'The new device reached a relay with a different identity key than this one: something between it and the relay is not the relay. Check its network and relay address.');
  }
  const deviceId = toBase64Url(link.deviceKey);
  if (listOwnDevices(ctx.store).some((d) => d.deviceId === deviceId)) throw new ChatError('CHAT_LINK_INVALID', 'That device is already linked to this account.');
  return link;
}

/** Answers a link code the user confirmed: uploads the sealed history, publishes the list naming the new device, posts the provisioning message. */
export async function provisionNewDevice(
  ctx: ChatContext,
  o: { code: string; historyDays: number | null; dir: string; relayUrl: string; backup: BackupKeyRecord | null; sender: ProvisioningSender; onProgress: (p: ProvisionProgress) => void },
): Promise<{ deviceId: string; name: string }> {
  const link = inspectLink(ctx, o.code, o.relayUrl);
  const client = await ctx.link.online(RELAY_ACTION_WAIT_MS);
  if (!client) throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; linking needs a connection.');
  const deviceId = toBase64Url(link.deviceKey);
  const dir = path.join(o.dir, 'linking');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `out-${toBase64Url(new Uint8Array(randomBytes(9)))}.bin`);
  try {
    o.onProgress({ stage: 'packing', done: 0, total: null });
    const now = ctx.now();
    const history = await writeHistory(ctx.store, file, o.historyDays === null ? null : now - o.historyDays * 86_400_000);
    const slot = await client.attachmentUpload();
    if (history.size > slot.maxBytes) {
      throw new HistoryError('HISTORY_TOO_LARGE', 'The history is larger than the relay accepts; link again with a shorter history.');
    }
    o.onProgress({ stage: 'sending', done: 0, total: history.size });
    await uploadAttachment(
      relayHttpBase(o.relayUrl),
      slot,
      createReadStream(file).pipe(counting((n) => o.onProgress({ stage: 'sending', done: n, total: history.size }))),
    );
    const list = await publishList(ctx.store, ctx.keys, client, [...currentEntries(ctx.store), { deviceId, addedAt: now }]);
    nameDevice(ctx.store, deviceId, link.deviceName);
    ctx.store.audit.record('device.linked', { deviceId });
    const devices = listOwnDevices(ctx.store).map((d) => ({ deviceId: d.deviceId, name: d.name }));
    const sealed = sealProvisioning(link, {
      v: 1,
      accountSecretKey: toBase64Url(ctx.keys.accountSigner.secretKey),
      displayName: ctx.displayName(),
      relayUrl: o.relayUrl,
      deviceList: { ...list, devices: list.devices.map((d) => ({ ...d })) },
      devices,
      backup: o.backup,
      history: { blobId: slot.attachmentId, key: toBase64Url(history.key), digest: toBase64Url(history.digest), size: history.size, frames: history.frames, messages: history.messages },
    }, o.sender);
    history.key.fill(0);
    await client.provisionSend(toBase64Url(link.provisioningId), toBase64Url(sealed));
    o.onProgress({ stage: 'done', done: history.size, total: history.size });
    ctx.events.devicesChanged();
    return { deviceId, name: link.deviceName };
  } finally {
    rmSync(file, { force: true });
  }
}
