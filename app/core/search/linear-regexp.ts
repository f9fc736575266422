import { setFlagsFromString } from "node:v8";
import { BadRequestError } from "../../common/errors.js";

/**
 * Regular expressions that cannot run away, whatever the pattern or the text.
 *
 * V8 ships a linear-time engine (an automaton simulation, like RE2 or Rust's regex) behind
 * `--enable-experimental-regexp-engine`. It is about 50x slower than V8's usual backtracking engine
 * (irregexp) on ordinary patterns, so we run irregexp first and let V8 switch a match to the linear
 * engine as soon as it backtracks more than a fixed number of times
 * (`--enable-experimental-regexp-engine-on-excessive-backtracks`). A pattern is accepted only if
 * the linear engine can run it (checked by compiling it with the `l` flag), so every match costs
 * at most that many backtracks plus one linear pass. The linear engine of Node 20 refuses
 * backreferences, lookahead and lookbehind, counted repetitions too large to unroll
 * (`a{1000}`) and the `i` and `u` flags: ignoring case is done by rewriting letters into
 * classes (case-fold.ts) instead.
 *
 * The flags are process-wide (workers share them) and only change which engine runs a match,
 * never its result.
 */
const BACKTRACKS_BEFORE_LINEAR = 10_000;

let enabled = false;

export function enableLinearRegExp(): void {
  if (enabled) return;
  setFlagsFromString("--enable-experimental-regexp-engine");
  setFlagsFromString("--enable-experimental-regexp-engine-on-excessive-backtracks");
  setFlagsFromString(`--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_LINEAR}`);
  enabled = true;
}

/**
 * Compiles `source` for matching one line at a time. Throws BadRequestError naming `field` when
 * the pattern is not valid JavaScript regex syntax or cannot run in linear time.
 */
export function compileLinearRegExp(source: string, field: string, flags = ""): RegExp {
  enableLinearRegExp();
  try {
    new RegExp(source, "");
  } catch (err) {
    throw new BadRequestError(`${field} is not a valid regular expression: ${reason(err)}`);
  }
  try {
    new RegExp(source, `l${flags}`);
  } catch {
    throw new BadRequestError(
      `${field} cannot run in linear time: backreferences, lookahead/lookbehind and very large counted repetitions ({n} over a few hundred) are not supported`,
    );
  }
  return new RegExp(source, flags);
}

function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // "Invalid regular expression: /(/: Unterminated group" → "Unterminated group"
  return message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
}
