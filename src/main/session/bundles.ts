/**
 * Checks a relay's prekey bundle before any session is made from it: the
 * bundle must be for exactly the device that was asked for, that device must
 * be in its account's signed device list as this client last verified it,
 * and its identity key is the one the device id names. The engine then
 * verifies every prekey signature by that identity key (pqxdh.ts).
 */
import { fromBase64Url } from '../../shared/wire/encoding';
import { publicKeyFromId } from '../../shared/wire/deviceList';
import type { WireBundle, WirePrekey } from '../../shared/wire/relay';
import type { PreKeyBundle, ProtocolAddress } from '../protocol';
import { SessionLayerError } from './errors';

function prekeyFrom(w: WirePrekey) {
  const publicKey = fromBase64Url(w.publicKey);
  const signature = fromBase64Url(w.signature);
  if (!publicKey || !signature) throw new SessionLayerError('SESSION_BAD_BUNDLE', 'The relay sent a malformed prekey.');
  return { id: w.keyId, publicKey, signature };
}

/**
 * The engine's bundle for `asked`, from the relay's answer. `listed` is the
 * device ids of the account's signed list as stored here. Refuses (typed
 * SESSION_BAD_BUNDLE / SESSION_UNLISTED_DEVICE) a bundle for another
 * account or device, or for a device the signed list does not contain.
 */
export function checkedBundle(asked: ProtocolAddress, w: WireBundle, listed: readonly string[]): PreKeyBundle {
  if (w.accountId !== asked.accountId || w.deviceId !== asked.deviceId) {
    throw new SessionLayerError('SESSION_BAD_BUNDLE', 'The relay answered with a bundle for a different device than the one asked for.');
  }
  if (!listed.includes(asked.deviceId)) {
    throw new SessionLayerError('SESSION_UNLISTED_DEVICE', 'That device is not in its account’s signed device list.');
  }
  const identityKey = publicKeyFromId(w.deviceId);
  if (!identityKey) throw new SessionLayerError('SESSION_BAD_BUNDLE', 'The relay sent a bundle for a malformed device id.');
  const kem = w.oneTimeKem ?? w.lastResortKem;
  return {
    identityKey,
    signedPreKey: prekeyFrom(w.signedPrekey),
    oneTimePreKey: w.oneTimeEc ? prekeyFrom(w.oneTimeEc) : undefined,
    kemPreKey: { ...prekeyFrom(kem), kind: w.oneTimeKem ? 'oneTime' : 'lastResort' },
  };
}
