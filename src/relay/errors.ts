/** Typed relay errors: every refusal the relay sends carries one of these codes. */
import { ParleyError } from '../shared/errors';
import type { RelayErrorCode } from '../shared/wire/relay';

export class RelayError extends ParleyError<RelayErrorCode> {}
