import { once } from "node:events";
import { createReadStream } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import type { Logger } from "../../common/logger.js";
import { StoreUnavailableError } from "../store/errors.js";
import type { AuditRecord, AuditSink } from "../store/types.js";
import {
  auditRecordSchema,
  matchesAuditQuery,
  parseAuditRecord,
  newestFirst,
  normalizeAuditQuery,
  type AuditQuery,
} from "./audit-record.js";
import { assertNoSecretInAuditRecord } from "./secret-guard.js";

export interface FileAuditSinkOptions {
  /** e.g. `<DATA_DIR>/audit.jsonl` */
  path: string;
  /** secrets that must never appear in a record (admin key, peppers); read at each write */
  secrets?: () => Iterable<string>;
  logger?: Logger;
}

/**
 * Audit trail as JSON Lines: one record per line, appended (O_APPEND) and fsynced before
 * `write` resolves. Appends from this process are serialized so lines never interleave.
 * `query` streams the file; a torn last line (crash mid-append) is skipped, not fatal.
 */
export class FileAuditSink implements AuditSink {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly options: FileAuditSinkOptions) {}

  async write(record: AuditRecord): Promise<void> {
    const valid = parseAuditRecord(record);
    assertNoSecretInAuditRecord(valid, this.options.secrets?.() ?? []);
    const line = JSON.stringify(valid) + "\n";
    const result = this.tail.then(() => this.append(line));
    this.tail = result.catch(() => undefined);
    await result;
  }

  async query(filter: AuditQuery): Promise<AuditRecord[]> {
    const q = normalizeAuditQuery(filter);
    const matches: AuditRecord[] = [];
    const stream = createReadStream(this.options.path, { encoding: "utf8" });
    try {
      await once(stream, "open");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new StoreUnavailableError("Audit log is unavailable, try again shortly", { cause: err });
    }
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      const record = parseLine(line);
      if (record && matchesAuditQuery(record, q)) matches.push(record);
    }
    return matches.sort(newestFirst).slice(0, q.limit);
  }

  private async append(line: string): Promise<void> {
    try {
      await mkdir(dirname(this.options.path), { recursive: true, mode: 0o700 });
      const handle = await open(this.options.path, "a", 0o600);
      try {
        await handle.appendFile(line);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      this.options.logger?.error({ err }, "audit append failed");
      throw new StoreUnavailableError("Audit log is unavailable, try again shortly", { cause: err });
    }
  }
}

function parseLine(line: string): AuditRecord | undefined {
  if (line.trim() === "") return undefined;
  try {
    const parsed = auditRecordSchema.safeParse(JSON.parse(line));
    return parsed.success ? (parsed.data as AuditRecord) : undefined;
  } catch {
    return undefined;
  }
}
