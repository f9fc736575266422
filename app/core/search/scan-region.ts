import type { LineFinder } from "./line-finder.js";
import type { SearchMode, WireHit } from "./protocol.js";

const NEWLINE = 10;
/** Lines in answers are cut to this many characters. */
export const MAX_LINE_CHARS = 300;

/** Bytes of one file in memory: `buf` holds the file from byte `base`; `eof` when it reaches the end. */
export interface FileBytes {
  buf: Buffer;
  base: number;
  eof: boolean;
}

export interface RegionScan {
  index: number;
  mode: SearchMode;
  context: number;
  /** File offset and line number where the scan starts (a line start). */
  startOffset: number;
  startLine: number;
  maxHits: number;
}

export interface RegionResult {
  hits: WireHit[];
  /** Where the next scan of this file would resume; undefined when the file was scanned to its end. */
  resume?: { line: number; offset: number };
  /** The hit limit was reached in this file. */
  full: boolean;
}

/**
 * Scans one file's bytes for matching lines from a start line, producing hits as the mode wants:
 * every line (with context), the first one only (`files`), or their number (`count`). When the
 * bytes do not reach the end of the file, the scan stops after the last whole line and says
 * where to resume.
 */
export function scanRegion(bytes: FileBytes, scan: RegionScan, finder: LineFinder): RegionResult {
  const { buf, base } = bytes;
  let end = buf.length;
  if (!bytes.eof) {
    const lastNewline = buf.lastIndexOf(NEWLINE);
    if (lastNewline + 1 > scan.startOffset - base) end = lastNewline + 1;
  }
  const lines = new LineCounter(buf, scan.startOffset - base, scan.startLine);
  const hits: WireHit[] = [];
  let count = 0;
  let from = scan.startOffset - base;
  while (from < end) {
    const lineStart = finder.next(buf, from, end);
    if (lineStart < 0) break;
    const line = lines.lineAt(lineStart);
    let lineEnd = buf.indexOf(NEWLINE, lineStart);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    if (scan.mode === "files") {
      hits.push({ index: scan.index, line: scan.startLine, offset: scan.startOffset });
      return { hits, full: hits.length >= scan.maxHits };
    }
    if (scan.mode === "count") count++;
    else {
      hits.push({
        index: scan.index,
        line,
        offset: base + lineStart,
        text: lineText(buf, lineStart, lineEnd),
        ...(scan.context > 0 ? contextOf(bytes, lineStart, lineEnd, end, scan.context) : {}),
      });
      if (hits.length >= scan.maxHits)
        return { hits, resume: { line: line + 1, offset: base + lineEnd + 1 }, full: true };
    }
    from = lineEnd + 1;
  }
  if (scan.mode === "count" && count > 0)
    hits.push({ index: scan.index, line: scan.startLine, offset: scan.startOffset, count });
  if (bytes.eof) return { hits, full: false };
  return { hits, resume: { line: lines.lineAt(end), offset: base + end }, full: false };
}

/** Line numbers by counting newlines forward from the last answer (hits come in order). */
class LineCounter {
  constructor(
    private readonly buf: Buffer,
    private pos: number,
    private line: number,
  ) {}

  lineAt(offset: number): number {
    while (this.pos < offset) {
      const nl = this.buf.indexOf(NEWLINE, this.pos);
      if (nl < 0 || nl >= offset) {
        this.pos = offset;
        break;
      }
      this.line++;
      this.pos = nl + 1;
    }
    return this.line;
  }
}

export function lineText(buf: Buffer, start: number, end: number): string {
  // Four bytes per character at most: decode no more than needed for the cut.
  const text = buf.toString("utf8", start, Math.min(end, start + MAX_LINE_CHARS * 4 + 4));
  return text.length > MAX_LINE_CHARS || end - start > MAX_LINE_CHARS * 4 + 4
    ? `${text.slice(0, MAX_LINE_CHARS)}…`
    : text;
}

function contextOf(bytes: FileBytes, lineStart: number, lineEnd: number, end: number, context: number) {
  const { buf, base } = bytes;
  // A window that starts inside the file begins with a partial line: never show it.
  const floor = base === 0 ? 0 : buf.indexOf(NEWLINE) + 1;
  const before: string[] = [];
  let current = lineStart;
  while (before.length < context && current > floor) {
    const previousEnd = current - 1;
    const previousStart = previousEnd === 0 ? 0 : buf.lastIndexOf(NEWLINE, previousEnd - 1) + 1;
    if (previousStart < floor) break;
    before.unshift(lineText(buf, previousStart, previousEnd));
    current = previousStart;
  }
  const after: string[] = [];
  let start = lineEnd + 1;
  while (after.length < context && start < end) {
    let stopAt = buf.indexOf(NEWLINE, start);
    if (stopAt < 0 || stopAt > end) stopAt = end;
    after.push(lineText(buf, start, stopAt));
    start = stopAt + 1;
  }
  return { before, after };
}
