/** Typed relay errors: every refusal the relay sends carries one of these codes, and some carry details. */
import { ParleyError } from '../shared/errors';
import type { RelayErrorCode, RelayErrorDetails } from '../shared/wire/relay';

/** A refusal the relay sends back: a RelayErrorCode, a sentence, and optional details. */
export class RelayError extends ParleyError<RelayErrorCode> {
  constructor(
    code: RelayErrorCode,
    message: string,
    /** Sent with the error response as `details`. */
    readonly details?: RelayErrorDetails,
  ) {
    super(code, message);
  }
}
