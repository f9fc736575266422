import type { PutOptions, RecordKind, RecordStore, Versioned } from "./types.js";

export type StoreOp = "get" | "list" | "put" | "delete" | "ping";
export type StoreCallListener = (op: StoreOp, kind: RecordKind | null, outcome: "ok" | "error") => void;

/**
 * Wraps a RecordStore and reports every call (for the store_calls metric and for tests that
 * prove the hot path reads no storage). Behaviour is the wrapped store's, unchanged.
 */
export function observeStore(store: RecordStore, listener: StoreCallListener): RecordStore {
  async function observed<R>(op: StoreOp, kind: RecordKind | null, call: () => Promise<R>): Promise<R> {
    try {
      const result = await call();
      listener(op, kind, "ok");
      return result;
    } catch (err) {
      listener(op, kind, "error");
      throw err;
    }
  }
  return {
    backend: store.backend,
    get: <T>(kind: RecordKind, id: string): Promise<Versioned<T> | null> =>
      observed("get", kind, () => store.get<T>(kind, id)),
    list: <T>(kind: RecordKind): Promise<Array<Versioned<T>>> =>
      observed("list", kind, () => store.list<T>(kind)),
    put: <T>(kind: RecordKind, id: string, value: T, options?: PutOptions) =>
      observed("put", kind, () => store.put(kind, id, value, options)),
    delete: (kind: RecordKind, id: string) => observed("delete", kind, () => store.delete(kind, id)),
    ping: () => observed("ping", null, () => store.ping()),
  };
}
