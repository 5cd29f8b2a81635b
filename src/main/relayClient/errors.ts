/** Typed errors of the relay client: the relay's own codes plus local failures. */
import { ParleyError } from '../../shared/errors';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import type { RelayErrorCode } from '../../shared/wire/relay';

/**
 * Why a relay call failed: the relay's own codes, or a local one (closed,
 * timeout, bad list or response, HTTP, or RELAY_KEY_CHANGED: the relay
 * proved a key other than the one pinned for its URL, so this device did not
 * authenticate to it).
 */
export type RelayClientErrorCode = RelayErrorCode | 'CLOSED' | 'TIMEOUT' | 'BAD_DEVICE_LIST' | 'STALE_DEVICE_LIST' | 'BAD_RESPONSE' | 'HTTP' | 'RELAY_KEY_CHANGED';

/** The typed error every relay-client failure raises. */
export class RelayClientError extends ParleyError<RelayClientErrorCode> {
  /**
   * With DEVICE_REVOKED: the signed list the relay sent as proof, well formed
   * but NOT verified. Act on it (wipe keys) only if confirmRevocation accepts it.
   */
  readonly deviceList: SignedDeviceList | undefined;
  /** With RELAY_KEY_CHANGED: the key the relay proved (base64url), which the user may choose to trust instead of the pin. */
  readonly relayKey: string | undefined;

  constructor(code: RelayClientErrorCode, message: string, options?: { cause?: unknown; deviceList?: SignedDeviceList; relayKey?: string }) {
    super(code, message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.deviceList = options?.deviceList;
    this.relayKey = options?.relayKey;
  }
}
