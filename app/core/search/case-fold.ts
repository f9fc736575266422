/**
 * Case-insensitive matching without the `i` flag (which V8's linear engine refuses): every letter
 * outside a class becomes a class of its two cases (`a` → `[aA]`), and every letter or letter
 * range inside a class gains its other case. Escapes (`\w`, `\b`, `\x41`...) and group syntax
 * (`(?:`, `(?<name>`) are copied unchanged.
 */
export function caseFoldPattern(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === "\\") {
      out += source.slice(i, i + 2);
      i += 2;
    } else if (c === "[") {
      const end = classEnd(source, i);
      out += foldClass(source.slice(i, end));
      i = end;
    } else if (source.startsWith("(?<", i) && source[i + 3] !== "=" && source[i + 3] !== "!") {
      const close = source.indexOf(">", i);
      const end = close < 0 ? source.length : close + 1;
      out += source.slice(i, end);
      i = end;
    } else {
      const other = otherCase(c);
      out += other ? `[${c}${other}]` : c;
      i++;
    }
  }
  return out;
}

/** A literal string as a pattern (regex syntax escaped). */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

/** Index just past the class starting at `start` (or the end of the source if unclosed). */
function classEnd(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === "^") i++;
  while (i < source.length) {
    if (source[i] === "\\") i += 2;
    else if (source[i] === "]") return i + 1;
    else i++;
  }
  return source.length;
}

function foldClass(cls: string): string {
  if (!cls.endsWith("]") || cls.length < 2) return cls;
  let extra = "";
  let i = cls[1] === "^" ? 2 : 1;
  const body = cls.length - 1;
  while (i < body) {
    const c = cls[i] as string;
    if (c === "\\") {
      i += 2;
      continue;
    }
    const to = cls[i + 2];
    if (cls[i + 1] === "-" && to !== undefined && i + 2 < body && to !== "\\") {
      const from = c;
      if (/[a-z]/.test(from) && /[a-z]/.test(to)) extra += `${from.toUpperCase()}-${to.toUpperCase()}`;
      else if (/[A-Z]/.test(from) && /[A-Z]/.test(to)) extra += `${from.toLowerCase()}-${to.toLowerCase()}`;
      i += 3;
      continue;
    }
    const other = otherCase(c);
    if (other) extra += other;
    i++;
  }
  return extra === "" ? cls : `${cls.slice(0, -1)}${extra}]`;
}

/** The other case of a letter, when it is a single different character. */
function otherCase(c: string): string | undefined {
  const lower = c.toLowerCase();
  const upper = c.toUpperCase();
  if (lower === upper || lower.length !== 1 || upper.length !== 1) return undefined;
  return c === lower ? upper : lower;
}
