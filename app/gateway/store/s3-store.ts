import { randomUUID } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { Logger } from "../../common/logger.js";
import { awsAttempts, awsErrorCode, awsStatus, callAws, listObjectPages } from "./aws-retry.js";
import { CorruptRecordError, PreconditionFailedError, StoreUnavailableError } from "./errors.js";
import { assertKindAndId, assertRecordKind, recordIdFromFileName } from "./record-id.js";
import { parseRecord } from "./file-store.js";
import type { PutOptions, RecordKind, RecordStore, Versioned } from "./types.js";

export interface S3RecordStoreOptions {
  client: S3Client;
  bucket: string;
  /** S3_PREFIX, e.g. "gateway/" (a missing trailing slash is added) */
  prefix?: string;
  /** KMS_KEY_ID: every put is SSE-KMS with this key; without it the bucket default applies */
  kmsKeyId?: string;
  logger?: Logger;
  /** objects per ListObjectsV2 page (S3's maximum and default: 1000); tests page with less */
  listPageSize?: number;
}

/** object metadata (x-amz-meta-cq-write-id) naming the put that wrote the object */
const WRITE_ID = "cq-write-id";
/** Parallel GETs while listing: enough to be quick, few enough not to trip throttling. */
const LIST_CONCURRENCY = 8;

/**
 * RecordStore over S3: one object per record at `<prefix><kind>/<id>.json`, SSE-KMS, optimistic
 * concurrency with `If-Match` / `If-None-Match: *` (412 → PreconditionFailedError). A put is one
 * PutObject, so a record is never half-written. The client retries network errors, 5xx and
 * throttling (s3-client.ts); what still fails surfaces as StoreUnavailableError (503).
 */
export class S3RecordStore implements RecordStore {
  readonly backend = "s3" as const;
  private readonly prefix: string;

  constructor(private readonly options: S3RecordStoreOptions) {
    const prefix = options.prefix ?? "";
    this.prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
  }

  async get<T>(kind: RecordKind, id: string): Promise<Versioned<T> | null> {
    assertKindAndId(kind, id);
    const object = await this.getObject(this.objectKey(kind, id));
    if (object === null) return null;
    return { value: parseRecord<T>(object.body, kind, id), etag: object.etag };
  }

  async list<T>(kind: RecordKind): Promise<Array<Versioned<T>>> {
    assertRecordKind(kind);
    const ids = await this.listIds(kind);
    const records: Array<Versioned<T> | null> = new Array(ids.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const index = next++;
        const id = ids[index]!;
        try {
          records[index] = await this.get<T>(kind, id);
        } catch (err) {
          if (!(err instanceof CorruptRecordError)) throw err;
          this.options.logger?.error({ kind, id }, "skipping corrupt record in list");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, ids.length) }, worker));
    return records.filter((r): r is Versioned<T> => r !== null);
  }

  async put<T>(kind: RecordKind, id: string, value: T, options: PutOptions = {}): Promise<string> {
    assertKindAndId(kind, id);
    const key = this.objectKey(kind, id);
    const body = JSON.stringify(value, null, 2) + "\n";
    // Tags this write so a retry can tell "my earlier attempt landed" from "someone else wrote".
    const writeId = randomUUID();
    const input: PutObjectCommandInput = {
      Bucket: this.options.bucket,
      Key: key,
      Body: body,
      ContentType: "application/json",
      Metadata: { [WRITE_ID]: writeId },
      ...(this.options.kmsKeyId
        ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: this.options.kmsKeyId }
        : {}),
      ...(options.ifMatch !== undefined ? { IfMatch: options.ifMatch } : {}),
      ...(options.ifNoneMatch ? { IfNoneMatch: "*" } : {}),
    };
    try {
      const result = await callAws(() => this.options.client.send(new PutObjectCommand(input)), {
        isFinal: (err) => isPreconditionFailure(err) || isNotFound(err),
      });
      return result.ETag ?? "";
    } catch (err) {
      // S3 answers an If-Match on a missing object with 404: the condition failed all the same.
      const lost = isPreconditionFailure(err) || (options.ifMatch !== undefined && isNotFound(err));
      if (!lost) throw isNotFound(err) ? new StoreUnavailableError(undefined, { cause: err }) : err;
      // A conditional put the SDK retried may fail only because an earlier attempt of this very
      // write landed (its answer was lost): then the stored object carries our write id.
      if (awsAttempts(err) > 1) {
        const etag = await this.etagIfWrittenBy(key, writeId);
        if (etag !== undefined) return etag;
      }
      throw new PreconditionFailedError(kind, id);
    }
  }

  private async etagIfWrittenBy(key: string, writeId: string): Promise<string | undefined> {
    try {
      const head = await callAws(
        () => this.options.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key })),
        { isFinal: isNotFound },
      );
      return head.Metadata?.[WRITE_ID] === writeId ? head.ETag : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async delete(kind: RecordKind, id: string): Promise<void> {
    assertKindAndId(kind, id);
    await callAws(() =>
      this.options.client.send(
        new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(kind, id) }),
      ),
    );
  }

  async ping(): Promise<void> {
    await callAws(() => this.options.client.send(new HeadBucketCommand({ Bucket: this.options.bucket })));
  }

  private async listIds(kind: RecordKind): Promise<string[]> {
    const ids: string[] = [];
    const listPrefix = `${this.prefix}${kind}/`;
    const pages = listObjectPages(this.options.client, {
      Bucket: this.options.bucket,
      Prefix: listPrefix,
      MaxKeys: this.options.listPageSize,
    });
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(listPrefix.length) ?? "";
        const id = name.includes("/") ? undefined : recordIdFromFileName(name);
        if (id !== undefined) ids.push(id);
      }
    }
    return ids.sort();
  }

  private async getObject(key: string): Promise<{ body: string; etag: string } | null> {
    try {
      return await callAws(
        async () => {
          const result = await this.options.client.send(
            new GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
          );
          const body = (await result.Body?.transformToString("utf8")) ?? "";
          return { body, etag: result.ETag ?? "" };
        },
        { isFinal: isNotFound },
      );
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  private objectKey(kind: RecordKind, id: string): string {
    return `${this.prefix}${kind}/${id}.json`;
  }
}

function isPreconditionFailure(err: unknown): boolean {
  const code = awsErrorCode(err);
  // 409 ConditionalRequestConflict: another conditional write to the same key is in flight.
  return awsStatus(err) === 412 || code === "PreconditionFailed" || code === "ConditionalRequestConflict";
}

function isNotFound(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === "NoSuchKey" || code === "NotFound" || (awsStatus(err) === 404 && code !== "NoSuchBucket");
}
