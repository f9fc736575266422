import type { PepperRing } from "../keys/hashing.js";
import { pepperSeal } from "../keys/pepper-seal.js";

/** A Core's bearer token at rest: sealed under the pepper, bound to the key id it belongs to. */
const coreTokenSeal = pepperSeal({ version: "v1", info: "codequery/core-token/v1", what: "core token" });

export function encryptCoreToken(token: string, keyId: string, peppers: PepperRing): string {
  return coreTokenSeal(peppers).seal(token, keyId);
}

/** The token, or throws when the record was tampered with or its pepper is gone. */
export function decryptCoreToken(sealed: string, keyId: string, peppers: PepperRing): string {
  return coreTokenSeal(peppers).open(sealed, keyId);
}
