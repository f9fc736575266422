import type { WireHit } from "./protocol.js";
import type { SearchMode } from "./protocol.js";

export interface LineHit {
  path: string;
  line: number;
  text: string;
  before?: string[];
  after?: string[];
}
export type SearchEntry = LineHit | { path: string } | { path: string; count: number };

/** The answer's entry for one hit, as the mode wants it. */
export function entryOf(hit: WireHit, path: string, mode: SearchMode): SearchEntry {
  if (mode === "files") return { path };
  if (mode === "count") return { path, count: hit.count ?? 0 };
  return {
    path,
    line: hit.line,
    text: hit.text ?? "",
    ...(hit.before ? { before: hit.before } : {}),
    ...(hit.after ? { after: hit.after } : {}),
  };
}

/**
 * How many entries fit in `maxChars` of compact JSON beside the rest of the answer.
 * `envelopeChars(k)` is the size of the answer without its entries when it is cut after k of
 * them (its cursor differs). The first entry is shrunk rather than dropped (context first, then
 * its text), so every page makes progress.
 */
export function fitEntries(
  entries: SearchEntry[],
  maxChars: number,
  envelopeChars: (kept: number) => number,
): SearchEntry[] {
  const kept: SearchEntry[] = [];
  let used = 0;
  for (const entry of entries) {
    const size = JSON.stringify(entry).length + (kept.length > 0 ? 1 : 0);
    if (used + size + envelopeChars(kept.length + 1) > maxChars) break;
    kept.push(entry);
    used += size;
  }
  if (kept.length === 0 && entries.length > 0)
    kept.push(shrink(entries[0] as SearchEntry, maxChars - envelopeChars(1)));
  return kept;
}

function shrink(entry: SearchEntry, room: number): SearchEntry {
  if (!("text" in entry)) return entry;
  const bare: LineHit = { path: entry.path, line: entry.line, text: entry.text };
  const overflow = JSON.stringify(bare).length - room;
  if (overflow <= 0) return bare;
  return { ...bare, text: `${bare.text.slice(0, Math.max(0, bare.text.length - overflow - 1))}…` };
}
