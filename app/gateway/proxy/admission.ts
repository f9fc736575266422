import { ServiceUnavailableError } from "../../common/errors.js";

export interface AdmissionLimits {
  /** proxied requests in flight at once, all keys together */
  total: number;
  /** proxied requests in flight at once for one key */
  perKey: number;
}

/**
 * Caps the proxied requests in flight, in total and per key, so one key holder (with a slow or
 * hostile Core) cannot hold every connection and every byte of the Gateway. Past a cap the
 * caller gets 503 with Retry-After at once, before anything is sent to its Core.
 */
export class ProxyAdmission {
  private total = 0;
  private readonly perKey = new Map<string, number>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** Admits one request of `keyId` and returns its release (call it exactly once), or throws 503. */
  admit(keyId: string): () => void {
    const mine = this.perKey.get(keyId) ?? 0;
    if (mine >= this.limits.perKey) {
      throw busy(
        `This API key already has ${this.limits.perKey} requests in progress; retry when one finishes`,
      );
    }
    if (this.total >= this.limits.total)
      throw busy("The Gateway is at its limit of requests in progress; retry shortly");
    this.total += 1;
    this.perKey.set(keyId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perKey.get(keyId) ?? 1) - 1;
      if (left <= 0) this.perKey.delete(keyId);
      else this.perKey.set(keyId, left);
    };
  }

  inFlight(keyId?: string): number {
    return keyId === undefined ? this.total : (this.perKey.get(keyId) ?? 0);
  }
}

function busy(message: string): ServiceUnavailableError {
  return new ServiceUnavailableError(message, { "Retry-After": "1" });
}
