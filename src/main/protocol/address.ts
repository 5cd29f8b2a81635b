/**
 * How the engine names a peer device. The engine itself never stores
 * anything: callers load records, run the write-free functions of
 * session.ts and commit the results (the app in src/main/store, in one
 * transaction; the tests over in-memory maps in test/support).
 */

/** A remote (or own) device: the account it belongs to and its device id. */
export interface ProtocolAddress {
  /** Account id: unpadded base64url of the account's Ed25519 public key. */
  readonly accountId: string;
  /** Device id: unpadded base64url of the device's Ed25519 identity public key. */
  readonly deviceId: string;
}

/** The store key of an address: `accountId.deviceId`. */
export const addressKey = (a: ProtocolAddress): string => `${a.accountId}.${a.deviceId}`;
