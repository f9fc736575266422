import { randomUUID } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { callAws, listObjectPages } from "../store/aws-retry.js";
import type { AuditRecord, AuditSink } from "../store/types.js";
import {
  auditRecordSchema,
  matchesAuditQuery,
  parseAuditRecord,
  newestFirst,
  normalizeAuditQuery,
  type AuditQuery,
  type NormalizedAuditQuery,
} from "./audit-record.js";
import { assertNoSecretInAuditRecord } from "./secret-guard.js";

export interface S3AuditSinkOptions {
  client: S3Client;
  bucket: string;
  /** S3_PREFIX; records go under `<prefix>audit/` */
  prefix?: string;
  kmsKeyId?: string;
  secrets?: () => Iterable<string>;
  /** most objects one query reads before it stops (default 2000): keeps /audit bounded */
  maxScan?: number;
}

const WHAT = "Audit storage";
const GET_CONCURRENCY = 8;
/** `<iso time>-<uuid>.json`; the ISO time has a fixed width of 24 characters. */
const ISO_LENGTH = "2026-01-01T00:00:00.000Z".length;

/**
 * Audit trail in S3: one object per record at `<prefix>audit/YYYY/MM/DD/<iso time>-<uuid>.json`
 * (SSE-KMS), so writes never contend and a versioned bucket keeps them. Queries walk the day
 * folders newest first, skip days and objects outside since/until by their names, and read at
 * most `maxScan` objects.
 */
export class S3AuditSink implements AuditSink {
  private readonly root: string;

  constructor(private readonly options: S3AuditSinkOptions) {
    const prefix = options.prefix ?? "";
    this.root = `${prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`}audit/`;
  }

  async write(record: AuditRecord): Promise<void> {
    const valid = parseAuditRecord(record);
    assertNoSecretInAuditRecord(valid, this.options.secrets?.() ?? []);
    const iso = new Date(valid.time).toISOString();
    const key = `${this.root}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso}-${randomUUID()}.json`;
    await callAws(
      () =>
        this.options.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: JSON.stringify(valid),
            ContentType: "application/json",
            ...(this.options.kmsKeyId
              ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: this.options.kmsKeyId }
              : {}),
          }),
        ),
      { what: WHAT },
    );
  }

  async query(filter: AuditQuery): Promise<AuditRecord[]> {
    const q = normalizeAuditQuery(filter);
    let budget = this.options.maxScan ?? 2000;
    const found: AuditRecord[] = [];
    for (const day of (await this.listDays(q)).reverse()) {
      const keys = (await this.listKeys(day)).filter((key) => inTimeRange(key, q)).reverse();
      for (let i = 0; i < keys.length && found.length < q.limit && budget > 0; i += GET_CONCURRENCY) {
        const batch = keys.slice(i, i + Math.min(GET_CONCURRENCY, budget));
        budget -= batch.length;
        const records = await Promise.all(batch.map((key) => this.read(key)));
        for (const record of records) if (record && matchesAuditQuery(record, q)) found.push(record);
      }
      if (found.length >= q.limit || budget <= 0) break;
    }
    return found.sort(newestFirst).slice(0, q.limit);
  }

  /** Day folders (`.../YYYY/MM/DD/`) oldest first, pruned to the query's time range. */
  private async listDays(q: NormalizedAuditQuery): Promise<string[]> {
    const sinceDay = Number.isFinite(q.sinceMs)
      ? new Date(q.sinceMs).toISOString().slice(0, 10)
      : "0000-00-00";
    const untilDay = Number.isFinite(q.untilMs)
      ? new Date(q.untilMs).toISOString().slice(0, 10)
      : "9999-99-99";
    let folders = [this.root];
    for (let depth = 0; depth < 3; depth++) {
      const next: string[] = [];
      for (const folder of folders) next.push(...(await this.listFolders(folder)));
      folders = next;
    }
    return folders.filter((folder) => {
      const day = folder.slice(this.root.length, -1).replaceAll("/", "-");
      return day >= sinceDay && day <= untilDay;
    });
  }

  private async listFolders(prefix: string): Promise<string[]> {
    const folders: string[] = [];
    await this.paginate(prefix, "/", (page) => {
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix);
    });
    return folders.sort();
  }

  private async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    await this.paginate(prefix, undefined, (page) => {
      for (const o of page.Contents ?? []) if (o.Key?.endsWith(".json")) keys.push(o.Key);
    });
    return keys.sort();
  }

  private async paginate(
    prefix: string,
    delimiter: string | undefined,
    onPage: (page: {
      Contents?: Array<{ Key?: string }>;
      CommonPrefixes?: Array<{ Prefix?: string }>;
    }) => void,
  ): Promise<void> {
    const pages = listObjectPages(
      this.options.client,
      { Bucket: this.options.bucket, Prefix: prefix, Delimiter: delimiter },
      { what: WHAT },
    );
    for await (const page of pages) onPage(page);
  }

  private async read(key: string): Promise<AuditRecord | undefined> {
    const text = await callAws(
      async () => {
        const object = await this.options.client.send(
          new GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
        );
        return (await object.Body?.transformToString("utf8")) ?? "";
      },
      { what: WHAT },
    );
    try {
      const parsed = auditRecordSchema.safeParse(JSON.parse(text));
      return parsed.success ? (parsed.data as AuditRecord) : undefined;
    } catch {
      return undefined;
    }
  }
}

function inTimeRange(key: string, q: NormalizedAuditQuery): boolean {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const time = Date.parse(name.slice(0, ISO_LENGTH));
  if (Number.isNaN(time)) return false;
  return time >= q.sinceMs && time <= q.untilMs;
}
