import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ignore, { type Ignore } from "ignore";
import { isDeniedName } from "./deny-list.js";
import { nowNs, signatureOf, stillValid, type Signature } from "./file-signature.js";

/** The rules one directory's ignore files contribute, with the base they are relative to. */
export interface DirRules {
  /** Directory the rules belong to, relative to the root ("" for the root). */
  base: string;
  matcher: Ignore;
}

interface CachedRules {
  /** Signatures of the ignore files that existed when the rules were read, in name order. */
  files: { name: string; signature: Signature }[];
  rules: DirRules | undefined;
}

/**
 * Ignore files (`.agentignore`, `.gitignore`, ... as configured) in the root and in every
 * directory below it, with git's semantics: patterns are relative to the file's directory,
 * deeper files win over shallower ones, and within a directory later files win. Each
 * directory's rules are cached and re-read when one of its ignore files changes.
 */
export class IgnoreRules {
  private readonly cache = new Map<string, CachedRules>();

  constructor(
    private readonly root: string,
    readonly fileNames: readonly string[],
    private readonly clockNs: () => bigint = nowNs,
  ) {}

  /**
   * Rules of one directory. `present` (names known to exist in it, from a fresh listing)
   * lets the tree walk skip stat calls for ignore files that are not there.
   */
  rulesFor(dirRel: string, present?: ReadonlySet<string>): DirRules | undefined {
    const names = present ? this.fileNames.filter((n) => present.has(n)) : this.fileNames;
    const dirAbs = dirRel === "" ? this.root : join(this.root, dirRel);
    const capturedAt = this.clockNs();
    const files: CachedRules["files"] = [];
    for (const name of names) {
      // Only regular files count: a symlinked ignore file could change without its link changing.
      const stats = lstatSync(join(dirAbs, name), { bigint: true, throwIfNoEntry: false });
      if (stats?.isFile()) files.push({ name, signature: signatureOf(stats, capturedAt) });
    }
    const cached = this.cache.get(dirRel);
    if (
      cached &&
      cached.files.length === files.length &&
      cached.files.every((f, i) => f.name === files[i]?.name && stillValid(f.signature, files[i]?.signature))
    ) {
      return cached.rules;
    }
    const matcher = ignore();
    let any = false;
    for (const { name } of files) {
      try {
        matcher.add(readFileSync(join(dirAbs, name), "utf8"));
        any = true;
      } catch {
        // An unreadable ignore file contributes no rules (and is re-read once it changes).
      }
    }
    const rules = any ? { base: dirRel, matcher } : undefined;
    this.cache.set(dirRel, { files, rules });
    return rules;
  }

  /** The chain of rules that applies inside `dirRel`: root first, `dirRel` itself last. */
  chainFor(dirRel: string): DirRules[] {
    const chain: DirRules[] = [];
    const own = this.rulesFor("");
    if (own) chain.push(own);
    if (dirRel === "") return chain;
    let prefix = "";
    for (const segment of dirRel.split("/")) {
      prefix = prefix === "" ? segment : `${prefix}/${segment}`;
      const rules = this.rulesFor(prefix);
      if (rules) chain.push(rules);
    }
    return chain;
  }

  /**
   * Whether a path (relative to the root, "/"-separated) is hidden: denied by name, ignored
   * itself, or inside an ignored or denied directory.
   */
  isHidden(relPath: string, isDirectory: boolean): boolean {
    const segments = relPath.split("/");
    const rootRules = this.rulesFor("");
    let chain: DirRules[] = rootRules ? [rootRules] : [];
    let path = "";
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as string;
      if (isDeniedName(segment)) return true;
      path = path === "" ? segment : `${path}/${segment}`;
      const last = i === segments.length - 1;
      if (isIgnoredBy(chain, path, last ? isDirectory : true)) return true;
      if (!last) {
        const rules = this.rulesFor(path);
        if (rules) chain = [...chain, rules];
      }
    }
    return false;
  }
}

/** git semantics over a chain: the deepest rules that say anything about the path decide. */
export function isIgnoredBy(chain: readonly DirRules[], relPath: string, isDirectory: boolean): boolean {
  let ignored = false;
  for (const { base, matcher } of chain) {
    const local = base === "" ? relPath : relPath.slice(base.length + 1);
    const result = matcher.test(isDirectory ? `${local}/` : local);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}
