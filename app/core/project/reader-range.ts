import { decodeUtf8Prefix } from "./content-store.js";
import { lastLineEndingBy, lineEnd, lineStart, type LineIndex } from "./line-index.js";

/** A text file's content for a line range, with where it stands in the file. */
export interface TextEntry {
  content: string;
  total_lines: number;
  /** First line returned (1-based). */
  start_line: number;
  /** Last line returned; `start_line - 1` when nothing was (an empty file). */
  end_line: number;
  /** The answer stops before the end of the asked range; ask again from `next_start_line`. */
  truncated?: true;
  next_start_line?: number;
  /** Full size of the file in bytes (given with `truncated`). */
  size?: number;
  /** One line longer than the whole budget: `content` is only its beginning. */
  partial_line?: true;
}

export interface LineRange {
  /** 1-based, default 1. */
  start?: number;
  /** 1-based, inclusive, default the last line. */
  end?: number;
}

export interface RangeCaps {
  /** Most bytes of the file to return. */
  bytes: number;
  /** Most characters the content may take in JSON (escapes counted, quotes not). */
  chars: number;
  /** When not even the first line fits: return its beginning (true) or nothing (false). */
  allowPartialLine: boolean;
}

export type RangeOutcome =
  | { kind: "text"; entry: TextEntry; bytes: number }
  | { kind: "past-end"; totalLines: number }
  | { kind: "nothing-fits" };

/** Reads `length` bytes of the file from byte `start`. */
export type ReadBytes = (start: number, length: number) => Promise<Buffer>;

// A character takes at most 3 bytes of UTF-8 per UTF-16 unit (4-byte characters are 2 units).
const MAX_BYTES_PER_CHAR = 3;

/** Characters a UTF-16 unit takes inside a JSON string. */
function jsonUnitCost(code: number): number {
  if (code === 0x22 || code === 0x5c) return 2;
  if (code >= 0x20) return 1;
  return code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
}

/** Characters `text` takes as the inside of a JSON string. */
export function jsonStringCost(text: string): number {
  let cost = 0;
  for (let i = 0; i < text.length; i++) cost += jsonUnitCost(text.charCodeAt(i));
  return cost;
}

/**
 * The lines of `range` that fit `caps`, ending on a whole line: reads only the bytes it needs,
 * located by the line index.
 */
export async function readLineRange(
  index: LineIndex,
  readBytes: ReadBytes,
  range: LineRange,
  caps: RangeCaps,
): Promise<RangeOutcome> {
  const total = index.totalLines;
  const start = range.start ?? 1;
  if (total === 0 && start === 1) {
    return { kind: "text", entry: { content: "", total_lines: 0, start_line: 1, end_line: 0 }, bytes: 0 };
  }
  if (start > total) return { kind: "past-end", totalLines: total };
  const end = Math.min(range.end ?? total, total);
  const from = lineStart(index, start);
  const wanted = lineEnd(index, end) - from;
  const length = Math.min(wanted, caps.bytes, caps.chars * MAX_BYTES_PER_CHAR + MAX_BYTES_PER_CHAR);
  if (length <= 0 || caps.chars <= 0) return { kind: "nothing-fits" };
  const bytes = await readBytes(from, length);

  const lastWhole = Math.min(lastLineEndingBy(index, from + bytes.length), end);
  if (lastWhole >= start) {
    const text = bytes.subarray(0, lineEnd(index, lastWhole) - from).toString("utf8");
    const fit = wholeLinesWithin(text, caps.chars, lastWhole - start + 1);
    if (fit.lines > 0) {
      const endLine = start + fit.lines - 1;
      const content = text.slice(0, fit.chars);
      const entry: TextEntry = { content, total_lines: total, start_line: start, end_line: endLine };
      if (endLine < end)
        Object.assign(entry, { truncated: true, next_start_line: endLine + 1, size: index.size });
      return { kind: "text", entry, bytes: lineEnd(index, endLine) - from };
    }
  }
  if (!caps.allowPartialLine) return { kind: "nothing-fits" };
  return { kind: "text", ...partialFirstLine(index, bytes, from, start, end, caps.chars) };
}

/** How many whole lines (and characters) of `text` fit in `maxCost`; the last line may lack "\n". */
function wholeLinesWithin(
  text: string,
  maxCost: number,
  lineCount: number,
): { lines: number; chars: number } {
  let cost = 0;
  let lines = 0;
  let chars = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    cost += jsonUnitCost(code);
    if (cost > maxCost) return { lines, chars };
    if (code === 0x0a) {
      lines++;
      chars = i + 1;
    }
  }
  return { lines: lineCount, chars: text.length };
}

/** The beginning of line `start`, when the line alone is longer than the budget. */
function partialFirstLine(
  index: LineIndex,
  bytes: Buffer,
  from: number,
  start: number,
  end: number,
  maxCost: number,
): { entry: TextEntry; bytes: number } {
  const lineBytes = bytes.subarray(0, Math.min(bytes.length, lineEnd(index, start) - from));
  const text = decodeUtf8Prefix(lineBytes, true);
  let cost = 0;
  let chars = 0;
  while (chars < text.length) {
    const next = cost + jsonUnitCost(text.charCodeAt(chars));
    if (next > maxCost) break;
    cost = next;
    chars++;
  }
  // Never end between the two halves of a surrogate pair.
  if (chars > 0 && chars < text.length) {
    const last = text.charCodeAt(chars - 1);
    if (last >= 0xd800 && last <= 0xdbff) chars--;
  }
  const content = text.slice(0, chars);
  const entry: TextEntry = {
    content,
    total_lines: index.totalLines,
    start_line: start,
    end_line: start,
    truncated: true,
    partial_line: true,
    size: index.size,
  };
  if (start < end) entry.next_start_line = start + 1;
  return { entry, bytes: Buffer.byteLength(content) };
}
