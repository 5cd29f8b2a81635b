/**
 * The new desktop's half of linking, up to the verified provisioning
 * payload: open a provisioning channel on the relay, show the link code
 * (channel id, ephemeral key, this device's identity key and name), wait for
 * the existing device's message, open and check it. No store exists until
 * the payload is verified, so a cancelled or failed link leaves nothing.
 */
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { encodeLinkCode } from '../../shared/wire/linkCode';
import { ChatError } from '../account/errors';
import { relayEndpoint } from '../relayClient/relayLink';
import { generateIdentityKey, type IdentityKeyPair } from '../protocol';
import { RelayClient } from '../relayClient/client';
import { openProvisioning, type ProvisioningPayload } from './provision';
import { ProvisioningReceiver } from './provisioningCipher';
import type { SignedDeviceList } from '../../shared/wire/deviceList';

/** What the new device got from linking: its own identity, the relay key it saw, and the verified provisioning payload. */
export interface ReceivedLink {
  readonly identity: IdentityKeyPair;
  /** The relay's identity key as this device saw it while linking (it is in the link code, which the existing device checks against its pin). */
  readonly relayKey: Uint8Array;
  readonly payload: ProvisioningPayload & { list: SignedDeviceList };
}

/** How the new device links: relay, its name, where to show the link code, and a signal to cancel. */
export interface ReceiveLinkOptions {
  readonly relayUrl: string;
  readonly deviceName: string;
  /** Called once with the link code to show as QR and text. */
  readonly onCode: (code: string, expiresAt: number) => void;
  readonly signal?: AbortSignal | undefined;
}

/** The new device's half of linking: shows a link code, waits for the provisioning message and opens it. */
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
    return { identity, relayKey: client.relayKey, payload: openProvisioning(receiver.receiver, message, deviceId) };
  } catch (e) {
    identity.dispose();
    throw e;
  } finally {
    receiver.receiver.dispose();
    await client.close();
  }
}
