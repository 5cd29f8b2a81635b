/** Typed errors of the relay client: the relay's own codes plus local failures. */
import { ParleyError } from '../../shared/errors';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import type { RelayErrorCode } from '../../shared/wire/relay';

/** Why a relay call failed: the relay's own codes, or a local one (closed, timeout, bad list or response, HTTP). */
export type RelayClientErrorCode = RelayErrorCode | 'CLOSED' | 'TIMEOUT' | 'BAD_DEVICE_LIST' | 'STALE_DEVICE_LIST' | 'BAD_RESPONSE' | 'HTTP';

/** The typed error every relay-client failure raises. */
export class RelayClientError extends ParleyError<RelayClientErrorCode> {
  /**
   * With DEVICE_REVOKED: the signed list the relay sent as proof, well formed
   * but NOT verified. Act on it (wipe keys) only if confirmRevocation accepts it.
   */
  readonly deviceList: SignedDeviceList | undefined;

  constructor(code: RelayClientErrorCode, message: string, options?: { cause?: unknown; deviceList?: SignedDeviceList }) {
    super(code, message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.deviceList = options?.deviceList;
  }
}
