import { randomBytes } from "node:crypto";
import { safeEqual } from "../common/http.js";

/**
 * Who may call the Core: the holder of API_KEY, or the Gateway presenting the bearer token of
 * the latest registration. A token becomes acceptable as soon as it is offered to the Gateway
 * (the Gateway may use it before our verification completes) and the previously confirmed one
 * stays acceptable until the new registration is confirmed, so there is never a gap.
 */
export class CoreCredentials {
  private confirmed: string | undefined;
  private pending: string | undefined;

  constructor(private readonly apiKey: string) {}

  isValidApiKey(candidate: string): boolean {
    return safeEqual(candidate, this.apiKey);
  }

  isValidBearer(candidate: string): boolean {
    // Both comparisons always run, so timing does not reveal which token matched.
    const matchesConfirmed = this.confirmed !== undefined && safeEqual(candidate, this.confirmed);
    const matchesPending = this.pending !== undefined && safeEqual(candidate, this.pending);
    return matchesConfirmed || matchesPending;
  }

  /** A fresh random token (256 bits, base64url) for the next registration attempt. */
  offerNewToken(): string {
    this.pending = randomBytes(32).toString("base64url");
    return this.pending;
  }

  /** The Gateway confirmed `token`: it replaces the previous one. */
  confirm(token: string): void {
    this.confirmed = token;
    if (this.pending === token) this.pending = undefined;
  }
}
