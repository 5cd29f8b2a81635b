/**
 * The new desktop's half of linking, up to the verified provisioning
 * payload: open a provisioning channel on the relay, show the link code
 * (channel id, ephemeral key, this device's identity key and name), wait for
 * the existing device's message, open and check it, then show the account's
 * name and the channel's short code and go on only when the user says it
 * matches the code on their other desktop (issue 13 §5: the link code is
 * public, so anyone who saw it can answer it; only the short code tells the
 * user's own desktop apart). No store exists until the payload is verified
 * and confirmed, so a cancelled, refused or failed link leaves nothing.
 */
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { encodeLinkCode } from '../../shared/wire/linkCode';
import { ChatError } from '../account/errors';
import { relayEndpoint } from '../relayClient/relayLink';
import { generateIdentityKey, type IdentityKeyPair } from '../protocol';
import { RelayClient } from '../relayClient/client';
import { openProvisioning, type OpenedProvisioning } from './provision';
import { ProvisioningReceiver } from './provisioningCipher';

/** What a confirmed link hands to the new profile: this device's identity, the relay key it saw, the verified payload. */
export interface ReceivedLink {
  readonly identity: IdentityKeyPair;
  /** The relay's identity key as this device saw it while linking (it is in the link code, which the existing device checks against its pin). */
  readonly relayKey: Uint8Array;
  readonly payload: OpenedProvisioning;
}

/** What the new desktop shows before it accepts an account: whose it is, and the channel's short code. */
export interface LinkCheck {
  readonly accountName: string;
  readonly accountId: string;
  readonly shortCode: string;
}

/** Where the new device links, under which name, and the caller's part (show the code, confirm the check, cancel). */
export interface ReceiveLinkOptions {
  readonly relayUrl: string;
  readonly deviceName: string;
  /** Called once with the link code to show as QR and text. */
  readonly onCode: (code: string, expiresAt: number) => void;
  /**
   * Asks the user whether `check.shortCode` is the code their other desktop
   * shows; true links, false refuses (CHAT_LINK_DECLINED). Called once, after
   * the message verified and before anything is downloaded or stored.
   */
  readonly confirm: (check: LinkCheck) => Promise<boolean>;
  readonly signal?: AbortSignal | undefined;
}

/** Runs the new device's half of linking up to the user's confirmed answer (see the file comment). */
export async function receiveLink(o: ReceiveLinkOptions): Promise<ReceivedLink> {
  let client: RelayClient;
  try {
    client = await RelayClient.connect(relayEndpoint(o.relayUrl));
  } catch {
    throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; linking needs a connection.');
  }
  const receiver = await (async () => {
    const channel = await client.provisionOpen();
    return { channel, receiver: new ProvisioningReceiver(fromBase64Url(channel.channelId) ?? undefined) };
  })().catch(async (e: unknown) => {
    await client.close();
    throw e;
  });
  const identity = generateIdentityKey();
  const deviceId = toBase64Url(identity.publicKey);
  try {
    const code = encodeLinkCode({
      provisioningId: receiver.receiver.provisioningId,
      ephemeralKey: receiver.receiver.publicKey,
      deviceKey: identity.publicKey,
      deviceName: o.deviceName,
      relayUrl: o.relayUrl,
      relayKey: client.relayKey,
    });
    o.onCode(code, receiver.channel.expiresAt);
    const message = await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ChatError('CHAT_LINK_EXPIRED', 'The link code expired. Start linking again for a new one.')), Math.max(0, receiver.channel.expiresAt - Date.now()));
      const finish = () => clearTimeout(timer);
      client.onProvision((_id, payload) => (finish(), resolve(payload)));
      client.onClose(() => (finish(), reject(new ChatError('CHAT_OFFLINE', 'The connection to the relay dropped while waiting; start linking again.'))));
      o.signal?.addEventListener('abort', () => (finish(), reject(new ChatError('CHAT_LINK_CANCELLED', 'Linking was cancelled.'))), { once: true });
    });
    const payload = openProvisioning(receiver.receiver, message, deviceId);
    receiver.receiver.dispose();
    await client.close();
    await confirmed(o, { accountName: payload.displayName, accountId: payload.list.accountId, shortCode: payload.shortCode });
    return { identity, relayKey: client.relayKey, payload };
  } catch (e) {
    identity.dispose();
    throw e;
  } finally {
    receiver.receiver.dispose();
    await client.close();
  }
}

/** Waits for the user's answer (or the cancel signal); anything but a yes refuses the account. */
async function confirmed(o: ReceiveLinkOptions, check: LinkCheck): Promise<void> {
  let stop = () => undefined as void;
  const cancelled = new Promise<never>((_, reject) => {
    stop = () => reject(new ChatError('CHAT_LINK_CANCELLED', 'Linking was cancelled.'));
    if (o.signal?.aborted) stop();
    o.signal?.addEventListener('abort', stop, { once: true });
  });
  let yes: boolean;
  try {
    yes = await Promise.race([o.confirm(check), cancelled]);
  } finally {
    // A cancel after the answer must not reject a promise no one awaits any more.
    o.signal?.removeEventListener('abort', stop);
  }
  if (!yes) {
    throw new ChatError('CHAT_LINK_DECLINED', 'The codes did not match, so this desktop refused the account that answered. Nothing was stored; start linking again and check that both desktops show the same code.');
  }
}
