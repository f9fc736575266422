import { BadRequestError } from "../../common/errors.js";

/** Room kept for each entry of an answer until it is written: enough for any error entry. */
const ENTRY_RESERVE_CHARS = 160;
/** Room for the 404 wrapper `{"error": "All requested files are missing", "files": ...}`. */
const WRAPPER_CHARS = 64;

/**
 * The characters of one answer (`{key: entry, ...}` as compact JSON), shared by its entries in
 * request order. Every entry has room reserved up front for an error or a "skipped" note, so an
 * early large file can never push later entries out of the answer: the total stays within
 * `maxChars` whatever the files hold.
 */
export class AnswerBudget {
  private used = 2; // "{}"
  private reserved = WRAPPER_CHARS;
  private readonly reservations = new Map<number, number>();
  /** `extraPerEntry`: what an entry may hold besides its key and a short message (e.g. another key). */
  constructor(
    readonly maxChars: number,
    keys: readonly string[],
    extraPerEntry: number,
  ) {
    keys.forEach((key, i) => {
      const reservation = keyCost(key) + ENTRY_RESERVE_CHARS + extraPerEntry;
      this.reservations.set(i, reservation);
      this.reserved += reservation;
    });
    if (this.used + this.reserved > maxChars) {
      throw new BadRequestError(
        `The ${keys.length} requested paths alone would not fit in one answer (${maxChars} characters): ask for fewer files per request`,
      );
    }
  }

  /** Releases entry `i`'s reservation and says how many characters its whole entry (key included) may take. */
  open(i: number): number {
    this.reserved -= this.reservations.get(i) ?? 0;
    this.reservations.delete(i);
    return this.maxChars - this.used - this.reserved;
  }

  /** Records the entry written under `key`. */
  charge(key: string, entry: unknown): void {
    this.used += keyCost(key) + JSON.stringify(entry).length;
  }
}

/** `"key":` plus the comma before the next entry. */
export function keyCost(key: string): number {
  return JSON.stringify(key).length + 2;
}
