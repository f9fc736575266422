import { generateKeyPairSync, randomBytes, type JsonWebKey } from "node:crypto";
import type { PepperRing } from "../keys/hashing.js";
import { PreconditionFailedError } from "../store/errors.js";
import type { RecordStore } from "../store/types.js";
import type { OAuthRecord } from "./record-store-adapter.js";
import { openRecord, sealRecord } from "./sealed-record.js";

const RECORD_ID = "signing-keys";

/** What every Gateway instance must share for one authorization server: its JWKS and cookie keys. */
export interface OAuthServerSecrets {
  jwks: { keys: JsonWebKey[] };
  cookieKeys: string[];
}

/**
 * The authorization server's keys, made once by whichever instance starts first (a create-only
 * write) and read by all the others, sealed at rest like every OAuth record.
 */
export async function loadServerSecrets(
  store: RecordStore,
  peppers: PepperRing,
): Promise<OAuthServerSecrets> {
  const existing = await store.get<OAuthRecord>("oauth", RECORD_ID);
  if (existing)
    return JSON.parse(openRecord(existing.value.sealed, RECORD_ID, peppers)) as OAuthServerSecrets;
  const fresh = generateServerSecrets();
  const record: OAuthRecord = {
    schema: 1,
    model: "ServerSecrets",
    expires_at: null,
    sealed: sealRecord(JSON.stringify(fresh), RECORD_ID, peppers),
  };
  try {
    await store.put("oauth", RECORD_ID, record, { ifNoneMatch: true });
    return fresh;
  } catch (err) {
    // Another instance created them first: use theirs, so tokens and cookies work on both.
    if (err instanceof PreconditionFailedError) return loadServerSecrets(store, peppers);
    throw err;
  }
}

function generateServerSecrets(): OAuthServerSecrets {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" });
  return {
    jwks: { keys: [{ ...jwk, use: "sig", alg: "RS256", kid: randomBytes(8).toString("base64url") }] },
    cookieKeys: [randomBytes(32).toString("base64url")],
  };
}
