import { enableLinearRegExp } from "./linear-regexp.js";
import type { MatcherSpec } from "./protocol.js";

const NEWLINE = 10;
/** How many lines a pattern scan tests between two looks at the clock and the stop flag. */
const LINES_PER_CHECK = 4096;

/** Thrown when a scan must stop (deadline, cancellation) in the middle of a file. */
export class ScanInterrupted extends Error {
  constructor(readonly lineStart: number) {
    super("scan interrupted");
  }
}

/** Finds the next matching line of a buffer, as grep does: each line (without its "\n") on its own. */
export interface LineFinder {
  /** Start of the first matching line in [from, end) (`from` is a line start), or -1. */
  next(buf: Buffer, from: number, end: number): number;
  /** True when nothing from `from` to the end of `buf` can match (a quick test; absent when there is none). */
  rulesOut?(buf: Buffer, from: number): boolean;
}

export function createLineFinder(spec: MatcherSpec, shouldStop: () => boolean): LineFinder {
  return spec.kind === "literal"
    ? literalFinder(Buffer.from(spec.text, "utf8"))
    : patternFinder(spec.source, shouldStop);
}

/** Byte search over the whole buffer (the needle is one line), then back to its line start. */
function literalFinder(needle: Buffer): LineFinder {
  return {
    rulesOut: (buf, from) => buf.indexOf(needle, from) < 0,
    next(buf, from, end) {
      const at = buf.indexOf(needle, from);
      if (at < 0 || at + needle.length > end) return -1;
      return at <= from ? from : Math.max(from, buf.lastIndexOf(NEWLINE, at - 1) + 1);
    },
  };
}

function patternFinder(source: string, shouldStop: () => boolean): LineFinder {
  enableLinearRegExp();
  const regex = new RegExp(source);
  return {
    next(buf, from, end) {
      let tested = 0;
      for (let start = from; start < end;) {
        if (++tested % LINES_PER_CHECK === 0 && shouldStop()) throw new ScanInterrupted(start);
        let stop = buf.indexOf(NEWLINE, start);
        if (stop < 0 || stop > end) stop = end;
        if (regex.test(buf.toString("utf8", start, stop))) return start;
        start = stop + 1;
      }
      return -1;
    },
  };
}
