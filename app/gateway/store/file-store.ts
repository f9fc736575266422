import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../common/logger.js";
import { CorruptRecordError, PreconditionFailedError, StoreUnavailableError } from "./errors.js";
import { withFileLock, type FileLockOptions } from "./file-lock.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { assertKindAndId, assertRecordKind, recordIdFromFileName } from "./record-id.js";
import type { PutOptions, RecordKind, RecordStore, Versioned } from "./types.js";

const TEMP_FILE = /^\.[a-z0-9_-]+\.json\.[0-9a-f]+\.tmp$/;
/** far longer than any write takes, so a live write's temp file is never swept */
const STALE_TEMP_MS = 10 * 60_000;

export interface FileRecordStoreOptions {
  /** DATA_DIR: records live at `<dir>/<kind>/<id>.json` */
  dir: string;
  logger?: Logger;
  lock?: FileLockOptions;
}

/** etag of a stored record: sha256 of its exact bytes, so any change gives a new tag. */
export function contentEtag(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * RecordStore over a local directory (the embedded default backend).
 *
 * Writes are atomic and durable before they are acknowledged: temp file in the same directory,
 * fsync, rename over the record, fsync the directory. A crash (kill -9, power loss) leaves either
 * the old or the new record, never a partial one; stray temp files (`.<id>.json.<rand>.tmp`) are
 * not records and are ignored by list. Writes to one record are serialized in-process by a mutex
 * and across processes by a lock file, so conditional writes from several Gateway processes on
 * one DATA_DIR never lose an update.
 */
export class FileRecordStore implements RecordStore {
  readonly backend = "file" as const;
  private readonly mutex = new KeyedMutex();

  constructor(private readonly options: FileRecordStoreOptions) {}

  async get<T>(kind: RecordKind, id: string): Promise<Versioned<T> | null> {
    assertKindAndId(kind, id);
    const bytes = await this.readBytes(kind, id);
    if (bytes === null) return null;
    return { value: parseRecord<T>(bytes, kind, id), etag: contentEtag(bytes) };
  }

  async list<T>(kind: RecordKind): Promise<Array<Versioned<T>>> {
    assertRecordKind(kind);
    let names: string[];
    try {
      names = await readdir(this.kindDir(kind));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw unavailable(err);
    }
    const records: Array<Versioned<T>> = [];
    await this.removeStaleTempFiles(kind, names);
    for (const name of names.sort()) {
      const id = recordIdFromFileName(name);
      if (id === undefined) continue;
      try {
        const record = await this.get<T>(kind, id);
        if (record) records.push(record);
      } catch (err) {
        // One damaged record must not hide all the others from the admin.
        if (!(err instanceof CorruptRecordError)) throw err;
        this.options.logger?.error({ kind, id }, "skipping corrupt record in list");
      }
    }
    return records;
  }

  async put<T>(kind: RecordKind, id: string, value: T, options: PutOptions = {}): Promise<string> {
    assertKindAndId(kind, id);
    const bytes = Buffer.from(JSON.stringify(value, null, 2) + "\n");
    return this.locked(kind, id, async () => {
      if (options.ifMatch !== undefined || options.ifNoneMatch) {
        const current = await this.readBytes(kind, id);
        if (options.ifNoneMatch && current !== null) throw new PreconditionFailedError(kind, id);
        if (options.ifMatch !== undefined && (current === null || contentEtag(current) !== options.ifMatch)) {
          throw new PreconditionFailedError(kind, id);
        }
      }
      await this.writeAtomically(kind, id, bytes);
      return contentEtag(bytes);
    });
  }

  async delete(kind: RecordKind, id: string): Promise<void> {
    assertKindAndId(kind, id);
    await this.locked(kind, id, async () => {
      try {
        await unlink(this.recordPath(kind, id));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
        throw unavailable(err);
      }
      await fsyncDir(this.kindDir(kind));
    });
  }

  async ping(): Promise<void> {
    try {
      await mkdir(this.options.dir, { recursive: true });
      await readdir(this.options.dir);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Temp files of writes killed mid-way (kill -9, power loss) are litter: swept when old. */
  private async removeStaleTempFiles(kind: RecordKind, names: string[]): Promise<void> {
    const now = Date.now();
    for (const name of names.filter((n) => TEMP_FILE.test(n))) {
      const path = join(this.kindDir(kind), name);
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_TEMP_MS) await unlink(path).catch(() => undefined);
    }
  }

  private async locked<T>(kind: RecordKind, id: string, fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(`${kind}/${id}`, async () => {
      await this.ensureKindDir(kind);
      return withFileLock(`${this.recordPath(kind, id)}.lock`, this.options.lock ?? {}, fn);
    });
  }

  private async writeAtomically(kind: RecordKind, id: string, bytes: Buffer): Promise<void> {
    const target = this.recordPath(kind, id);
    const temp = join(this.kindDir(kind), `.${id}.json.${randomBytes(6).toString("hex")}.tmp`);
    try {
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
      await fsyncDir(this.kindDir(kind));
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw unavailable(err);
    }
  }

  private async readBytes(kind: RecordKind, id: string): Promise<Buffer | null> {
    try {
      return await readFile(this.recordPath(kind, id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw unavailable(err);
    }
  }

  private async ensureKindDir(kind: RecordKind): Promise<void> {
    try {
      await mkdir(this.kindDir(kind), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw unavailable(err);
    }
  }

  private kindDir(kind: RecordKind): string {
    return join(this.options.dir, kind);
  }

  private recordPath(kind: RecordKind, id: string): string {
    return join(this.kindDir(kind), `${id}.json`);
  }
}

export function parseRecord<T>(bytes: Buffer | string, kind: string, id: string): T {
  try {
    return JSON.parse(bytes.toString()) as T;
  } catch {
    throw new CorruptRecordError(kind, id);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function unavailable(err: unknown): Error {
  if (err instanceof StoreUnavailableError || err instanceof PreconditionFailedError) return err;
  return new StoreUnavailableError("Key storage (local data directory) is unavailable, try again shortly", {
    cause: err,
  });
}
