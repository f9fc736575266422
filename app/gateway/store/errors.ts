import { AppError, ServiceUnavailableError } from "../../common/errors.js";

/**
 * A conditional write lost: the record changed (ifMatch) or already exists (ifNoneMatch) since
 * it was read. Callers re-read and retry (see `updateRecord`), or map it to 409.
 */
export class PreconditionFailedError extends AppError {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(409, `Record ${kind}/${id} was changed by another request, try again`);
  }
}

/**
 * The backend (disk, S3, KMS) cannot be reached, is throttling, or refuses us after bounded
 * retries. Maps to 503 with Retry-After; the cause stays on `cause` for the logs only.
 */
export class StoreUnavailableError extends ServiceUnavailableError {
  constructor(message = "Key storage is unavailable, try again shortly", options: { cause?: unknown } = {}) {
    super(message, { "Retry-After": "5" });
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/**
 * A stored record is not valid JSON (damaged by hand, or by a tool outside the store). The
 * message names the record so an operator can restore it from a backup or S3 version.
 */
export class CorruptRecordError extends AppError {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(500, `Stored record ${kind}/${id} is corrupt (not valid JSON); restore it from a backup`);
  }
}

/** An id or kind that could escape the store's layout (path tricks, odd characters). */
export class InvalidRecordIdError extends AppError {
  constructor(what: string) {
    super(400, `Invalid record ${what}: use 1-128 characters of a-z, 0-9, "_" and "-"`);
  }
}
