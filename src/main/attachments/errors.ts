/** Typed errors of attachments: each code names one thing that went wrong with a file being sent, fetched or read. */
import { ParleyError } from '../../shared/errors';

/** What went wrong with an attachment. */
export type AttachmentErrorCode =
  /** The attachment id names no attachment (its message was deleted or expired). */
  | 'ATTACHMENT_UNKNOWN'
  /** The announced size is 0 or above MAX_ATTACHMENT_BYTES. */
  | 'ATTACHMENT_BAD_SIZE'
  /** The upload id names no upload in progress (cancelled, finished or never begun). */
  | 'ATTACHMENT_UNKNOWN_UPLOAD'
  /** The chunks sent add up to more, or fewer, bytes than announced. */
  | 'ATTACHMENT_SIZE_MISMATCH'
  /** A received pointer's digest or key is not valid base64url of the right length. */
  | 'ATTACHMENT_BAD_POINTER'
  /** The relay sent more ciphertext than the largest allowed attachment. */
  | 'ATTACHMENT_TOO_LARGE'
  /** The downloaded ciphertext does not match the digest the sender signed into the message. */
  | 'ATTACHMENT_DIGEST_MISMATCH'
  /** The file is still being fetched (or the fetch failed); nothing to read yet. */
  | 'ATTACHMENT_NOT_ARRIVED'
  /** A read began at an offset the decrypting reader is not at (reads go from 0 in order). */
  | 'ATTACHMENT_BAD_OFFSET'
  /** A saved file's name would leave its folder, or every numbered variant of it is taken. */
  | 'ATTACHMENT_BAD_NAME';

/** Errors of src/main/attachments. */
export class AttachmentError extends ParleyError<AttachmentErrorCode> {}
