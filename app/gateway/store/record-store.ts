import type { S3Client } from "@aws-sdk/client-s3";
import { backoffDelay, sleep } from "../../common/backoff.js";
import type { Logger } from "../../common/logger.js";
import { PreconditionFailedError } from "./errors.js";
import { FileRecordStore } from "./file-store.js";
import { createS3Client } from "./s3-client.js";
import { S3RecordStore } from "./s3-store.js";
import type { RecordKind, RecordStore, Versioned } from "./types.js";

/**
 * Where the Gateway keeps its records and its audit trail (STORE and the variables that go with
 * it), parsed once by config.ts: the record store and the audit sink follow the same backend.
 */
export type StoreBackend =
  | { kind: "file"; dataDir: string }
  | { kind: "s3"; bucket: string; prefix: string; kmsKeyId?: string; region: string; endpoint?: string };

export interface RecordStoreDeps {
  logger?: Logger;
  /** injected S3 client; made from the backend's region and endpoint when absent */
  s3Client?: S3Client;
}

/** Chooses the backend once, at start-up, from configuration. */
export function createRecordStore(backend: StoreBackend, deps: RecordStoreDeps = {}): RecordStore {
  if (backend.kind === "file") return new FileRecordStore({ dir: backend.dataDir, logger: deps.logger });
  return new S3RecordStore({
    client: deps.s3Client ?? createS3Client({ region: backend.region, endpoint: backend.endpoint }),
    bucket: backend.bucket,
    prefix: backend.prefix,
    kmsKeyId: backend.kmsKeyId,
    logger: deps.logger,
  });
}

export interface UpdateRecordOptions {
  /** tries before giving up with PreconditionFailedError (default 8) */
  attempts?: number;
  random?: () => number;
}

/**
 * Read-modify-write with optimistic concurrency: reads the record, applies `change` to it (null
 * when missing), writes with If-Match (or If-None-Match when it was missing) and starts over when
 * another writer got there first. `change` may run several times, so it must be pure; it returns
 * the new value, or `undefined` to leave the record as it is. Resolves to the value written (or
 * the unchanged current value) with its etag; null when nothing exists and nothing was written.
 */
export async function updateRecord<T>(
  store: RecordStore,
  kind: RecordKind,
  id: string,
  change: (current: T | null) => T | undefined,
  options: UpdateRecordOptions = {},
): Promise<Versioned<T> | null> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 0; ; attempt++) {
    const current = await store.get<T>(kind, id);
    const next = change(current ? current.value : null);
    if (next === undefined) return current;
    try {
      const etag = await store.put(
        kind,
        id,
        next,
        current ? { ifMatch: current.etag } : { ifNoneMatch: true },
      );
      return { value: next, etag };
    } catch (err) {
      if (!(err instanceof PreconditionFailedError) || attempt + 1 >= attempts) throw err;
      // Jittered pause so writers that collided do not collide again in lockstep.
      await sleep(backoffDelay(attempt, 10, 250, options.random));
    }
  }
}
