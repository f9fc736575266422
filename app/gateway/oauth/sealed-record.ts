import type { PepperRing } from "../keys/hashing.js";
import { pepperSeal } from "../keys/pepper-seal.js";

/**
 * An OAuth record's JSON at rest (tokens, client secrets, signing keys are never stored in the
 * clear): sealed under the pepper with a key of its own, bound to the record id.
 */
const oauthRecordSeal = pepperSeal({
  version: "o1",
  info: "codequery/oauth-record/v1",
  what: "OAuth record",
});

export function sealRecord(json: string, recordId: string, peppers: PepperRing): string {
  return oauthRecordSeal(peppers).seal(json, recordId);
}

/** The JSON text, or throws when the record was tampered with, moved, or its pepper is gone. */
export function openRecord(sealed: string, recordId: string, peppers: PepperRing): string {
  return oauthRecordSeal(peppers).open(sealed, recordId);
}
