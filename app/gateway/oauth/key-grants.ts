import { createHash } from "node:crypto";
import type { PepperRing } from "../keys/hashing.js";
import { updateRecord } from "../store/record-store.js";
import type { RecordStore } from "../store/types.js";
import { RecordStoreAdapter, type OAuthRecord } from "./record-store-adapter.js";
import { openRecord, sealRecord } from "./sealed-record.js";

/**
 * The grants each API key approved, so purging the key deletes them and every code and token
 * issued from them at once (a purged key's tokens are refused anyway: this leaves nothing behind).
 */
export class KeyGrants {
  constructor(
    private readonly store: RecordStore,
    private readonly peppers: PepperRing,
  ) {}

  async remember(keyId: string, grantId: string): Promise<void> {
    const recordId = recordIdOf(keyId);
    await updateRecord<OAuthRecord>(this.store, "oauth", recordId, (current) => {
      const grants = current ? this.grantsIn(current, recordId) : [];
      if (grants.includes(grantId)) return undefined;
      return {
        schema: 1,
        model: "KeyGrants",
        expires_at: null,
        sealed: sealRecord(JSON.stringify([...grants, grantId]), recordId, this.peppers),
      };
    });
  }

  /** Deletes every grant of `keyId` with its codes and tokens; resolves to how many grants there were. */
  async endAll(keyId: string): Promise<number> {
    const recordId = recordIdOf(keyId);
    const found = await this.store.get<OAuthRecord>("oauth", recordId);
    if (!found) return 0;
    const grants = this.grantsIn(found.value, recordId);
    const options = { store: this.store, peppers: this.peppers, now: Date.now };
    for (const grantId of grants) {
      // Every model shares one index per grant (record-store-adapter.ts), so one call ends them all.
      await new RecordStoreAdapter("AccessToken", options).revokeByGrantId(grantId);
      await new RecordStoreAdapter("Grant", options).destroy(grantId);
    }
    await this.store.delete("oauth", recordId);
    return grants.length;
  }

  private grantsIn(record: OAuthRecord, recordId: string): string[] {
    return JSON.parse(openRecord(record.sealed, recordId, this.peppers)) as string[];
  }
}

function recordIdOf(keyId: string): string {
  return `keygrants-${createHash("sha256").update(keyId, "utf8").digest("hex").slice(0, 48)}`;
}
