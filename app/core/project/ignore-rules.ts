import { lstatSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import ignore, { type Ignore } from "ignore";
import { isDeniedName } from "./deny-list.js";
import { nowNs, signatureOf, stillValid, type Signature } from "./file-signature.js";
import { isInside } from "./paths.js";

/** The rules one directory's ignore files contribute, with the base they are relative to. */
export interface DirRules {
  /** Directory the rules belong to, relative to the root ("" for the root). */
  base: string;
  matcher: Ignore;
  /**
   * True when no pattern contains a "/" (other than a trailing one): such patterns match a name
   * at any depth, so testing the bare name decides, and the matcher's cache hits on repeated names.
   */
  namesOnly: boolean;
  /** For names-only rules: name (with "/" for a directory) → verdict. Bounded, cleared when full. */
  verdicts: Map<string, Verdict>;
}

/** What one directory's rules say about a path: nothing, ignore it, or re-include it. */
const enum Verdict {
  None = 0,
  Ignored = 1,
  Unignored = 2,
}

const MAX_VERDICTS = 50_000;

/** One ignore file as found on disk: where to read it from, or why it cannot be trusted. */
interface IgnoreFile {
  name: string;
  signature: Signature;
  /** The file to read (the link's target for a symlinked ignore file). */
  source?: string;
  /** Set when the rules cannot be known: everything in the directory is then hidden. */
  refused?: string;
}

interface CachedRules {
  /** Signatures of the ignore files that existed when the rules were read, in name order. */
  files: IgnoreFile[];
  rules: DirRules | undefined;
}

/** Rules that hide every entry of their directory: what an ignore file we cannot read stands for. */
const HIDE_EVERYTHING = "*";

/**
 * Ignore files (`.agentignore`, `.gitignore`, ... as configured) in the root and in every
 * directory below it, with git's semantics: patterns are relative to the file's directory,
 * deeper files win over shallower ones, and within a directory later files win. Each
 * directory's rules are cached and re-read when one of its ignore files changes.
 */
export class IgnoreRules {
  private readonly cache = new Map<string, CachedRules>();
  /** The last warning given per directory, so a fresh (not yet cached) refusal is reported once. */
  private readonly warned = new Map<string, string>();

  constructor(
    private readonly root: string,
    readonly fileNames: readonly string[],
    private readonly clockNs: () => bigint = nowNs,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  /**
   * Rules of one directory. `present` (names known to exist in it, from a fresh listing)
   * lets the tree walk skip stat calls for ignore files that are not there.
   *
   * Never serves what the user meant to hide: an ignore file that is a symlink is followed when
   * it resolves inside the root to a regular file; one that leads outside, dangles or cannot be
   * read hides everything in its directory (with a warning) until it is fixed.
   */
  rulesFor(dirRel: string, present?: ReadonlySet<string>): DirRules | undefined {
    const names = present ? this.fileNames.filter((n) => present.has(n)) : this.fileNames;
    const dirAbs = dirRel === "" ? this.root : join(this.root, dirRel);
    const capturedAt = this.clockNs();
    const files: IgnoreFile[] = [];
    for (const name of names) {
      const file = this.inspect(join(dirAbs, name), name, capturedAt);
      if (file) files.push(file);
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
    let namesOnly = true;
    let refused: string | undefined;
    for (const file of files) {
      try {
        if (file.refused !== undefined) throw new Error(file.refused);
        const text = readFileSync(file.source as string, "utf8");
        matcher.add(text);
        namesOnly &&= hasOnlyNamePatterns(text);
        any = true;
      } catch (error) {
        refused = `${dirRel === "" ? "" : `${dirRel}/`}${file.name} ${file.refused ?? `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`}`;
        break;
      }
    }
    let rules: DirRules | undefined;
    if (refused !== undefined) {
      const warning = `${refused}: nothing in ${dirRel === "" ? "the project root" : `${dirRel}/`} is listed, read or searched until it is fixed`;
      if (this.warned.get(dirRel) !== warning) this.onWarning(warning);
      this.warned.set(dirRel, warning);
      rules = { base: dirRel, matcher: ignore().add(HIDE_EVERYTHING), namesOnly: true, verdicts: new Map() };
    } else {
      this.warned.delete(dirRel);
      if (any) rules = { base: dirRel, matcher, namesOnly, verdicts: new Map<string, Verdict>() };
    }
    this.cache.set(dirRel, { files, rules });
    return rules;
  }

  /** What stands at an ignore file's path: a regular file, a symlink to follow or to refuse, or nothing. */
  private inspect(path: string, name: string, capturedAt: bigint): IgnoreFile | undefined {
    let stats;
    try {
      stats = lstatSync(path, { bigint: true, throwIfNoEntry: false });
    } catch (error) {
      // It may exist, but cannot be reached (permission, PATH_MAX): its rules cannot be known.
      const reason = `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`;
      // Settled, so the warning is given once, not on every request.
      return { name, signature: { key: reason, settled: true }, refused: reason };
    }
    if (!stats) return undefined;
    if (stats.isFile()) return { name, signature: signatureOf(stats, capturedAt), source: path };
    if (!stats.isSymbolicLink()) return undefined; // a directory or FIFO by that name is no ignore file
    const link = signatureOf(stats, capturedAt);
    let target = "";
    let targetStats;
    try {
      target = realpathSync.native(path);
      targetStats = statSync(target, { bigint: true });
    } catch {
      // dangling or unreachable: refused below
    }
    // Where the link leads is part of its signature: a refused link is re-checked once it leads elsewhere.
    const refusedAs = (refused: string): IgnoreFile => ({
      name,
      signature: { key: `${link.key}>${target}`, settled: link.settled },
      refused,
    });
    if (!targetStats) return refusedAs("is a symlink that leads nowhere");
    if (!isInside(this.root, target)) return refusedAs("is a symlink that leads outside the project");
    if (!targetStats.isFile()) return refusedAs("is a symlink to something not a file");
    // The link and its target can each change on their own: both are in the signature.
    const own = signatureOf(targetStats, capturedAt);
    return {
      name,
      signature: { key: `${link.key}>${target}>${own.key}`, settled: link.settled && own.settled },
      source: target,
    };
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

/**
 * git semantics over a chain: the deepest rules that say anything about the path decide. Callers
 * test a path only after its parent directories passed, as the tree walk does.
 */
export function isIgnoredBy(chain: readonly DirRules[], relPath: string, isDirectory: boolean): boolean {
  const slash = relPath.lastIndexOf("/");
  return isEntryIgnoredBy(
    chain,
    slash < 0 ? "" : relPath.slice(0, slash),
    relPath.slice(slash + 1),
    isDirectory,
  );
}

/** Same as isIgnoredBy for the entry `name` of directory `dirRel`; builds the full path only if a rule needs it. */
export function isEntryIgnoredBy(
  chain: readonly DirRules[],
  dirRel: string,
  name: string,
  isDirectory: boolean,
): boolean {
  let ignored = false;
  for (const rules of chain) {
    const verdict = verdictOf(rules, dirRel, name, isDirectory);
    if (verdict === Verdict.Ignored) ignored = true;
    else if (verdict === Verdict.Unignored) ignored = false;
  }
  return ignored;
}

function verdictOf(rules: DirRules, dirRel: string, name: string, isDirectory: boolean): Verdict {
  if (rules.namesOnly) {
    const key = isDirectory ? `${name}/` : name;
    let verdict = rules.verdicts.get(key);
    if (verdict === undefined) {
      verdict = toVerdict(rules.matcher.test(key));
      if (rules.verdicts.size >= MAX_VERDICTS) rules.verdicts.clear();
      rules.verdicts.set(key, verdict);
    }
    return verdict;
  }
  const relPath = dirRel === "" ? name : `${dirRel}/${name}`;
  const local = rules.base === "" ? relPath : relPath.slice(rules.base.length + 1);
  return toVerdict(rules.matcher.test(isDirectory ? `${local}/` : local));
}

function toVerdict(result: { ignored: boolean; unignored: boolean }): Verdict {
  return result.ignored ? Verdict.Ignored : result.unignored ? Verdict.Unignored : Verdict.None;
}

/** True when every pattern in an ignore file is a bare name or glob (no "/" except a trailing one). */
export function hasOnlyNamePatterns(text: string): boolean {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const pattern = (line.startsWith("!") ? line.slice(1) : line).replace(/\/+$/, "");
    if (pattern.includes("/")) return false;
  }
  return true;
}
