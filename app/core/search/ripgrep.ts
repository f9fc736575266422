import { execFile, spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/**
 * ripgrep (`rg`) as a prefilter for literal searches over files the scan workers have not cached:
 * it names the files that contain the text, and the workers then read only those, through their
 * own confined open, and make every hit themselves. rg never decides what is visible or what an
 * answer says; it only lets the workers skip files without a match. So the answers are exactly the
 * workers' answers, and a file rg could not vouch for is scanned as if there were no prefilter.
 */
export interface Ripgrep {
  path: string;
  version: string;
}

/** `auto`: `rg` from PATH when it is there; `off`: never; else the path of the binary to use. */
export type RipgrepSetting = "auto" | "off" | string;

/** What rg is asked to look through: directories (their own files only) and single files. */
export interface PrefilterScope {
  /** Directories relative to the root ("" is the root); only their direct entries are searched. */
  dirs: readonly string[];
  /** Files passed by name: listed symlinks, which rg does not follow inside a directory. */
  files: readonly string[];
}

export interface PrefilterQuery {
  text: string;
  /** ASCII case folding: rg's Unicode folding matches a superset of it. */
  ignoreCase: boolean;
}

/** Below what Linux allows for one command line (2 MiB with the environment), with room to spare. */
const DEFAULT_MAX_ARG_BYTES = 512 * 1024;
const VERSION_TIMEOUT_MS = 5_000;

/** The rg to use (undefined: none), and in words what was found, for the start-up log. */
export interface RipgrepLookup {
  rg: Ripgrep | undefined;
  described: string;
}

/**
 * The rg binary the setting names, checked to run and to be ripgrep. A binary that does not is
 * reported (searches then run without it), never trusted: its "no match" would hide hits.
 */
export async function findRipgrep(setting: RipgrepSetting, env = process.env): Promise<RipgrepLookup> {
  if (setting === "off") return { rg: undefined, described: "none (SEARCH_RIPGREP=off)" };
  const path = setting === "auto" ? onPath("rg", env.PATH ?? "") : setting;
  if (path === undefined) return { rg: undefined, described: "none (no rg on PATH)" };
  try {
    const version = await versionOf(path);
    return { rg: { path, version }, described: `rg ${version}` };
  } catch (error) {
    return {
      rg: undefined,
      described: `none (${path} does not run as ripgrep: ${(error as Error).message})`,
    };
  }
}

function onPath(name: string, pathList: string): string | undefined {
  for (const dir of pathList.split(delimiter)) {
    const candidate = join(dir, name);
    if (isAbsolute(dir) && isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** A regular file this process may execute (what `SEARCH_RIPGREP` and a PATH entry must name). */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function versionOf(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, ["--version"], { timeout: VERSION_TIMEOUT_MS, env: {} }, (error, stdout) => {
      const match = /^ripgrep (\d+\.\d+\.\d+)/.exec(String(stdout));
      if (match) resolve(match[1] as string);
      else
        reject(
          error ??
            new Error(`it printed no ripgrep version (${JSON.stringify(String(stdout).slice(0, 60))})`),
        );
    });
  });
}

/**
 * The files under `scope` that contain the text (paths relative to the root, as listed), or
 * undefined when rg could not answer for all of them (an unreadable file, a crash, the deadline,
 * `signal`): the caller then scans without the prefilter. Runs rg once per `maxArgBytes` of paths.
 */
export async function filesWithMatch(
  rg: Ripgrep,
  rootReal: string,
  query: PrefilterQuery,
  scope: PrefilterScope,
  deadlineAt: number,
  signal?: AbortSignal,
  maxArgBytes = DEFAULT_MAX_ARG_BYTES,
): Promise<Set<string> | undefined> {
  const found = new Set<string>();
  for (const paths of argumentBatches(scope, maxArgBytes)) {
    const names = await runBatch(rg, rootReal, query, paths, deadlineAt, signal);
    if (!names) return undefined;
    for (const name of names) found.add(name.startsWith("./") ? name.slice(2) : name);
  }
  return found;
}

/** Directories become `./dir` (never taken for an option, whatever the name), the root `.`. */
function* argumentBatches(
  scope: PrefilterScope,
  maxArgBytes: number,
): Generator<{ dirs: string[]; files: string[] }> {
  let batch = { dirs: [] as string[], files: [] as string[] };
  let bytes = 0;
  for (const list of ["dirs", "files"] as const) {
    for (const rel of scope[list]) {
      const arg = rel === "" ? "." : `./${rel}`;
      const size = Buffer.byteLength(arg) + 1;
      if (bytes > 0 && bytes + size > maxArgBytes) {
        yield batch;
        batch = { dirs: [], files: [] };
        bytes = 0;
      }
      batch[list].push(arg);
      bytes += size;
    }
  }
  if (bytes > 0) yield batch;
}

function runBatch(
  rg: Ripgrep,
  rootReal: string,
  query: PrefilterQuery,
  paths: { dirs: string[]; files: string[] },
  deadlineAt: number,
  signal?: AbortSignal,
): Promise<string[] | undefined> {
  const args = [
    "--files-with-matches",
    "--null",
    "--fixed-strings",
    ...(query.ignoreCase ? ["--ignore-case"] : ["--case-sensitive"]),
    // Every byte as it is: no binary-file cut-off, no BOM transcoding (the workers decide what is text).
    "--text",
    "--encoding=none",
    // No config file, no ignore files of its own, hidden files too: the listing already decided.
    "--no-config",
    "--no-ignore",
    "--hidden",
    "--no-messages",
    // A directory's own files only: its subdirectories are in the scope when they are visible.
    "--max-depth=1",
    `--regexp=${query.text}`,
    "--",
    ...paths.dirs,
    ...paths.files,
  ];
  return new Promise((resolve) => {
    if (signal?.aborted || Date.now() >= deadlineAt) return resolve(undefined);
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(rg.path, args, { cwd: rootReal, env: {}, stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      // Out of processes or memory, say: no answer, so the workers read every file.
      return resolve(undefined);
    }
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (names: string[] | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", stop);
      resolve(names);
    };
    const stop = () => {
      child.kill("SIGKILL");
      finish(undefined);
    };
    const timer = setTimeout(stop, Math.max(0, deadlineAt - Date.now()));
    signal?.addEventListener("abort", stop, { once: true });
    child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", () => finish(undefined));
    child.on("close", (code) => {
      // 0: matches, 1: none; 2 (an error, say an unreadable file) or a signal: no complete answer.
      if (code !== 0 && code !== 1) return finish(undefined);
      const out = Buffer.concat(chunks).toString("utf8");
      finish(out === "" ? [] : out.split("\0").filter((name) => name !== ""));
    });
  });
}
