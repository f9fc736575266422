import { createHash } from "node:crypto";
import { errors, type Adapter, type AdapterPayload } from "oidc-provider";
import type { PepperRing } from "../keys/hashing.js";
import { PreconditionFailedError } from "../store/errors.js";
import { updateRecord } from "../store/record-store.js";
import type { RecordStore } from "../store/types.js";
import { openRecord, sealRecord } from "./sealed-record.js";

/**
 * One stored OAuth object (token, code, client, grant, session, interaction) or one index.
 * Only the expiry and the model name are readable; the payload is sealed (sealed-record.ts).
 */
export interface OAuthRecord {
  schema: 1;
  model: string;
  /** epoch ms; null for objects without expiry (registered clients) */
  expires_at: number | null;
  sealed: string;
}

/** Models whose objects belong to a grant, so revoking the grant (refresh reuse, revocation) ends them. */
const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
]);

export interface AdapterOptions {
  store: RecordStore;
  peppers: PepperRing;
  /** epoch ms; oidc-provider reads the system clock, so production passes Date.now */
  now: () => number;
}

/**
 * oidc-provider's storage through the Gateway's record store (kind "oauth"), so every Gateway
 * instance sees the same clients, codes and tokens. Record ids are hashes: a token's value is
 * its id in oidc-provider, and must not become a file name or an S3 key.
 *   <model>-<hash>   the object          uid-<hash>    Session/Interaction uid → id
 *   grant-<hash>     ids in one grant    usercode-<hash>  device user code → id
 */
export class RecordStoreAdapter implements Adapter {
  /** etags seen by find(), so consume() fails when another instance consumed first */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly model: string,
    private readonly options: AdapterOptions,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = typeof expiresIn === "number" ? this.options.now() + expiresIn * 1000 : null;
    const recordId = objectId(this.model, id);
    await this.write(recordId, JSON.stringify(payload), expiresAt);
    if (payload.grantId && GRANTABLE.has(this.model))
      await this.addToGrant(payload.grantId, recordId, expiresAt);
    if (payload.uid) await this.write(indexId("uid", this.model, payload.uid), id, expiresAt);
    if (payload.userCode) await this.write(indexId("usercode", this.model, payload.userCode), id, expiresAt);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const recordId = objectId(this.model, id);
    const found = await this.read(recordId);
    if (!found) return undefined;
    this.remember(recordId, found.etag);
    return JSON.parse(found.text) as AdapterPayload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.read(indexId("uid", this.model, uid));
    return id ? this.find(id.text) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await this.read(indexId("usercode", this.model, userCode));
    return id ? this.find(id.text) : undefined;
  }

  /** Marks a code or refresh token used; a second use is then refused by oidc-provider. */
  async consume(id: string): Promise<void> {
    const recordId = objectId(this.model, id);
    const seenEtag = this.seen.get(recordId);
    const current = await this.options.store.get<OAuthRecord>("oauth", recordId);
    if (!current) return;
    // Another instance consumed it between our find() and now: the second redemption loses.
    if (seenEtag !== undefined && current.etag !== seenEtag) {
      throw new errors.InvalidGrant("grant request is invalid");
    }
    const payload = JSON.parse(this.open(recordId, current.value)) as AdapterPayload;
    if (payload.consumed) throw new errors.InvalidGrant("grant request is invalid");
    const sealed = sealRecord(
      JSON.stringify({ ...payload, consumed: Math.floor(this.options.now() / 1000) }),
      recordId,
      this.options.peppers,
    );
    try {
      await this.options.store.put<OAuthRecord>(
        "oauth",
        recordId,
        { ...current.value, sealed },
        { ifMatch: current.etag },
      );
    } catch (err) {
      if (err instanceof PreconditionFailedError) throw new errors.InvalidGrant("grant request is invalid");
      throw err;
    }
  }

  async destroy(id: string): Promise<void> {
    await this.options.store.delete("oauth", objectId(this.model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const indexRecord = indexId("grant", "", grantId);
    const members = await this.read(indexRecord);
    if (members) {
      for (const recordId of JSON.parse(members.text) as string[]) {
        await this.options.store.delete("oauth", recordId);
      }
    }
    await this.options.store.delete("oauth", indexRecord);
  }

  private async addToGrant(grantId: string, recordId: string, expiresAt: number | null): Promise<void> {
    const indexRecord = indexId("grant", "", grantId);
    const { store, peppers } = this.options;
    await updateRecord<OAuthRecord>(store, "oauth", indexRecord, (current) => {
      const members = current
        ? (JSON.parse(openRecord(current.sealed, indexRecord, peppers)) as string[])
        : [];
      if (members.includes(recordId)) return undefined;
      // The index lives as long as its longest-lived member.
      const expires =
        current && (current.expires_at === null || expiresAt === null)
          ? null
          : Math.max(current?.expires_at ?? 0, expiresAt ?? 0);
      return {
        schema: 1,
        model: "GrantIndex",
        expires_at: expires,
        sealed: sealRecord(JSON.stringify([...members, recordId]), indexRecord, peppers),
      };
    });
  }

  private async write(recordId: string, text: string, expiresAt: number | null): Promise<void> {
    const record: OAuthRecord = {
      schema: 1,
      model: this.model,
      expires_at: expiresAt,
      sealed: sealRecord(text, recordId, this.options.peppers),
    };
    await this.options.store.put("oauth", recordId, record);
  }

  /** The record's opened text, or null when missing or expired (an expired one is deleted). */
  private async read(recordId: string): Promise<{ text: string; etag: string } | null> {
    const found = await this.options.store.get<OAuthRecord>("oauth", recordId);
    if (!found) return null;
    if (found.value.expires_at !== null && found.value.expires_at <= this.options.now()) {
      await this.options.store.delete("oauth", recordId);
      return null;
    }
    try {
      return { text: this.open(recordId, found.value), etag: found.etag };
    } catch {
      // Tampered, moved, or sealed under a pepper since dropped: it cannot be trusted, so it is not there.
      return null;
    }
  }

  private open(recordId: string, record: OAuthRecord): string {
    return openRecord(record.sealed, recordId, this.options.peppers);
  }

  private remember(recordId: string, etag: string): void {
    this.seen.delete(recordId);
    this.seen.set(recordId, etag);
    // Bounded: only the most recent finds matter for a consume that follows at once.
    if (this.seen.size > 1000) this.seen.delete(this.seen.keys().next().value!);
  }
}

/** The record id of one oidc-provider object: its model, and a hash of its id. */
export function objectId(model: string, id: string): string {
  return `${model.toLowerCase().replace(/[^a-z]/g, "")}-${digest(`${model}:${id}`)}`;
}

function indexId(index: "uid" | "usercode" | "grant", model: string, value: string): string {
  return `${index}-${digest(`${model}:${value}`)}`;
}

function digest(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex").slice(0, 48);
}
