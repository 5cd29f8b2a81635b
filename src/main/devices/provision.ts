/**
 * The one provisioning message an existing device posts to a new device's
 * channel, end to end encrypted to the ephemeral key from the link code
 * (./provisioningCipher.ts):
 *
 *   message = senderEphemeral (32) ‖ sealChunk(0, 1, JSON ProvisioningPayload)
 *
 * It carries what the new device needs to act as the account: the account
 * secret key, the backup keys, the signed device list that already names
 * the new device, the device names, and the pointer to the sealed history
 * (./history.ts). Everything is schema-checked after decryption; the list
 * must verify under the account key and name the new device.
 */
import { z } from 'zod';
import { RELAY_MAX_PROVISIONING_BYTES } from '../../shared/constants';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { deviceListSchema } from '../../shared/wire/relay';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import type { LinkCode } from '../../shared/wire/linkCode';
import { deviceListVerifies } from '../relayClient/signing';
import { ProvisioningError, ProvisioningReceiver, type ProvisioningSender } from './provisioningCipher';

const B64 = (bytes: number) => z.string().refine((s) => fromBase64Url(s)?.length === bytes, `must be ${bytes} bytes of base64url`);
const KeyId = z.string().regex(/^[A-Za-z0-9_-]{43}$/u);

/** The provisioning message's plaintext, schema-checked after decryption. */
export const ProvisioningPayload = z
  .object({
    v: z.literal(1),
    accountSecretKey: B64(64),
    displayName: z.string().trim().min(1).max(64),
    relayUrl: z.string().regex(/^wss?:\/\/\S+$/u).max(200),
    deviceList: deviceListSchema,
    devices: z.array(z.object({ deviceId: KeyId, name: z.string().trim().min(1).max(64) }).strict()).min(1).max(64),
    backup: z.object({ id: z.string().min(16).max(64), authKey: B64(32), key: B64(32) }).strict().nullable(),
    history: z
      .object({
        blobId: z.string().min(1).max(128),
        key: B64(32),
        digest: B64(32),
        size: z.number().int().nonnegative(),
        frames: z.number().int().positive(),
        messages: z.number().int().nonnegative(),
      })
      .strict(),
  })
  .strict();
export type ProvisioningPayload = z.infer<typeof ProvisioningPayload>;

/** Seals the payload to the new device named by `link`, under `sender`'s key for that code (so its short code is the one the user was shown). */
export function sealProvisioning(link: LinkCode, payload: ProvisioningPayload, sender: ProvisioningSender): Uint8Array {
  const { senderEphemeral, key } = sender.start(link.ephemeralKey, link.provisioningId);
  try {
    const sealed = key.sealChunk(0, 1, new TextEncoder().encode(JSON.stringify(ProvisioningPayload.parse(payload))));
    const out = new Uint8Array(32 + sealed.length);
    out.set(senderEphemeral);
    out.set(sealed, 32);
    if (out.length > RELAY_MAX_PROVISIONING_BYTES) throw new ProvisioningError('PROVISIONING_MALFORMED', 'The linking message is too large for the relay.');
    return out;
  } finally {
    key.dispose();
  }
}

/** A verified provisioning payload, its list, and the short code of the channel it came over (the user compares it with the other desktop's). */
export type OpenedProvisioning = ProvisioningPayload & { list: SignedDeviceList; shortCode: string };

/**
 * Opens the provisioning message on the new device. Any alteration is
 * PROVISIONING_DECRYPT_FAILED; a payload whose list does not verify or does
 * not name `deviceId` is PROVISIONING_MALFORMED.
 */
export function openProvisioning(receiver: ProvisioningReceiver, message: Uint8Array, deviceId: string): OpenedProvisioning {
  if (message.length < 32 + 17) throw new ProvisioningError('PROVISIONING_MALFORMED', 'The linking message is truncated.');
  const key = receiver.open(message.subarray(0, 32));
  let json: unknown;
  let shortCode: string;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(key.openChunk(0, 1, message.subarray(32))));
    shortCode = key.shortCode();
  } catch (e) {
    if (e instanceof ProvisioningError) throw e;
    throw new ProvisioningError('PROVISIONING_MALFORMED', 'The linking message is not valid.');
  } finally {
    key.dispose();
  }
  const parsed = ProvisioningPayload.safeParse(json);
  if (!parsed.success) throw new ProvisioningError('PROVISIONING_MALFORMED', 'The linking message has an unknown shape.');
  const p = parsed.data;
  const accountPublic = fromBase64Url(p.accountSecretKey)!.subarray(32);
  const list = p.deviceList as SignedDeviceList;
  if (list.accountId !== toBase64Url(accountPublic) || !deviceListVerifies(list) || !list.devices.some((d) => d.deviceId === deviceId)) {
    throw new ProvisioningError('PROVISIONING_MALFORMED', 'The linking message does not add this device to the account.');
  }
  return { ...p, list, shortCode };
}
