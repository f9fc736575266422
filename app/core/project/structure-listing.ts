import { unreadableUnder, type ListingTarget, type UnreadableReport } from "./listing-target.js";
import { childrenOf, entryOf, type DirectoryEntry, type DirNode, type TreeSnapshot } from "./tree-node.js";

/**
 * Keys of the notes a structure answer may carry beside its entries. Entry keys are relative
 * paths ("." or "a/b", never starting with "/"), so these can never collide with a directory.
 */
export const TRUNCATED_KEY = "/truncated";
export const UNREADABLE_KEY = "/unreadable";

/** Deepest `depth` a client may ask for; without `depth` every level is listed (within the budget). */
export const MAX_STRUCTURE_DEPTH = 100;

/** Said inside the answer when the listing was cut to fit the budget. */
export interface TruncationNote {
  reason: string;
  /** Complete levels below the requested directory that are shown (1 = its own entry only). */
  levels_shown: number;
  /** Directories with contents whose entries are not shown, keyed as entries would be. */
  not_expanded: string[];
  /** Present when even the requested directory's own entry had to be cut. */
  entry_cut?: {
    path: string;
    directories_shown: number;
    directories_total: number;
    files_shown: number;
    files_total: number;
  };
  how_to_continue: string;
}

export type StructureAnswer = Record<string, DirectoryEntry | TruncationNote | UnreadableReport>;

export interface StructureRequest {
  /** Levels below the directory (1 = its direct children); all when absent. */
  depth?: number;
  /** Most characters of compact JSON in the answer. */
  maxChars: number;
}

type Notes = Map<string, TruncationNote | UnreadableReport>;

/** One directory of the listing, with the characters its entry costs (0 when it has no entry). */
interface Dir {
  key: string;
  node: DirNode;
  entry: DirectoryEntry;
  chars: number;
  children: Dir[];
}

const HOW_TO_CONTINUE =
  "Directories in not_expanded have contents not shown here: list one of them by asking again with " +
  "path set to it (and a depth), or page through every file with list_files (GET /files/list).";
const HOW_TO_CONTINUE_CUT_ENTRY =
  "The entry of entry_cut.path lists only its first names: page through all of its files with " +
  "list_files (GET /files/list) and path set to it, or list a subdirectory by asking again with path set to it.";

/**
 * The structure of the target directory down to `depth` levels, as one map of entries keyed by
 * path (the `/files/structure` shape), never longer than `maxChars` characters of compact JSON.
 * When everything does not fit, the answer keeps the deepest complete levels that do and adds a
 * `/truncated` note naming the directories it did not expand; unreadable directories are named
 * in an `/unreadable` note. Entries come in depth-first order, parents before their children.
 */
export function structureOf(
  snapshot: TreeSnapshot,
  target: ListingTarget,
  request: StructureRequest,
): StructureAnswer {
  const maxDepth = request.depth ?? Number.POSITIVE_INFINITY;
  const notes: Notes = new Map();
  const unreadable = unreadableUnder(snapshot, target);
  if (unreadable) notes.set(UNREADABLE_KEY, unreadable);
  const budget = request.maxChars;

  const levels: Dir[][] = [];
  const totals: { chars: number; count: number }[] = [];
  let level = [dirOf(target.prefix, target.node)];
  let chars = 0;
  let count = 0;
  let cutAt: number | undefined;
  while (level.length > 0 && levels.length < maxDepth) {
    levels.push(level);
    for (const dir of level) if (dir.chars > 0) [chars, count] = [chars + dir.chars, count + 1];
    totals.push({ chars, count });
    if (objectChars(chars + notesChars(notes), count + notes.size) > budget) {
      cutAt = levels.length - 1;
      break;
    }
    level = expand(level);
  }

  if (cutAt === undefined) {
    const whole = target.prefix === "" && request.depth === undefined && notes.size === 0;
    return whole ? snapshot.structure : emit(levels[0]![0]!, levels.length, notes);
  }
  // levels[cutAt] did not fit: show the deepest k < cutAt + 1 complete levels that fit with their note.
  for (let k = cutAt; k >= 1; k--) {
    const note = truncationNote(budget, k, levels[k]!);
    const withNote = new Map(notes).set(TRUNCATED_KEY, note);
    const total = totals[k - 1]!;
    if (objectChars(total.chars + notesChars(withNote), total.count + withNote.size) <= budget)
      return emit(levels[0]![0]!, k, withNote);
  }
  return cutEntry(levels[0]![0]!, budget, notes);
}

function dirOf(key: string, node: DirNode): Dir {
  const entry = entryOf(node);
  const empty = entry.files.length === 0 && entry.directories.length === 0;
  const shownKey = key === "" ? "." : key;
  return { key, node, entry, chars: empty ? 0 : pieceChars(shownKey, entry), children: [] };
}

/** The next level down: every walked subdirectory of the level, in order. */
function expand(level: Dir[]): Dir[] {
  const next: Dir[] = [];
  for (const dir of level) {
    if (dir.children.length === 0)
      for (const [name, child] of childrenOf(dir.node))
        dir.children.push(dirOf(dir.key === "" ? name : `${dir.key}/${name}`, child));
    next.push(...dir.children);
  }
  return next;
}

function truncationNote(budget: number, levelsShown: number, below: Dir[]): TruncationNote {
  return {
    reason: `The listing is larger than the answer budget (${budget} characters of JSON)`,
    levels_shown: levelsShown,
    not_expanded: below.filter((d) => d.chars > 0).map((d) => d.key),
    how_to_continue: HOW_TO_CONTINUE,
  };
}

/** Notes first, so a model reads that the answer is partial before the entries; then entries depth-first. */
function emit(start: Dir, levelsShown: number, notes: Notes): StructureAnswer {
  const answer = Object.create(null) as StructureAnswer;
  for (const [key, note] of notes) answer[key] = note;
  const stack: [Dir, number][] = [[start, 1]];
  while (stack.length > 0) {
    const [dir, depth] = stack.pop()!;
    if (dir.chars > 0) answer[dir.key === "" ? "." : dir.key] = dir.entry;
    if (depth >= levelsShown) continue;
    if (dir.children.length === 0) expand([dir]);
    for (let i = dir.children.length - 1; i >= 0; i--) stack.push([dir.children[i]!, depth + 1]);
  }
  return answer;
}

/**
 * Even the requested directory's own entry does not fit (thousands of names): its first names,
 * directories before files, as many as fit, with a note saying how many there are.
 */
function cutEntry(start: Dir, budget: number, notes: Notes): StructureAnswer {
  const children = start.children.length > 0 ? start.children : expand([start]);
  const withContents = new Set(children.filter((d) => d.chars > 0).map((d) => d.key));
  const key = start.key === "" ? "." : start.key;
  const { directories, files } = start.entry;
  const build = (dirCount: number, fileCount: number, withUnreadable: boolean): StructureAnswer => {
    const answer = Object.create(null) as StructureAnswer;
    const shownDirs = directories.slice(0, dirCount);
    answer[TRUNCATED_KEY] = {
      reason: `The listing is larger than the answer budget (${budget} characters of JSON)`,
      levels_shown: 1,
      not_expanded: shownDirs
        .map((name) => (start.key === "" ? name : `${start.key}/${name}`))
        .filter((k) => withContents.has(k)),
      entry_cut: {
        path: key,
        directories_shown: shownDirs.length,
        directories_total: directories.length,
        files_shown: fileCount,
        files_total: files.length,
      },
      how_to_continue: HOW_TO_CONTINUE_CUT_ENTRY,
    };
    const unreadable = notes.get(UNREADABLE_KEY);
    if (withUnreadable && unreadable) answer[UNREADABLE_KEY] = unreadable;
    answer[key] = { directories: shownDirs, files: files.slice(0, fileCount) };
    return answer;
  };
  const fits = (answer: StructureAnswer) => JSON.stringify(answer).length <= budget;
  for (const withUnreadable of [true, false]) {
    if (!fits(build(0, 0, withUnreadable))) continue;
    const dirCount = largestFitting(directories.length, (n) => fits(build(n, 0, withUnreadable)));
    const fileCount =
      dirCount < directories.length
        ? 0
        : largestFitting(files.length, (n) => fits(build(dirCount, n, withUnreadable)));
    return build(dirCount, fileCount, withUnreadable);
  }
  // A requested path so long that its own key does not fit: the note alone, as much of it as fits.
  const alone = Object.create(null) as StructureAnswer;
  alone[TRUNCATED_KEY] = {
    reason: `The listing is larger than the answer budget (${budget} characters of JSON)`,
    levels_shown: 0,
    not_expanded: [],
    how_to_continue: HOW_TO_CONTINUE,
  };
  if (fits(alone)) return alone;
  alone[TRUNCATED_KEY] = { reason: "budget", levels_shown: 0, not_expanded: [], how_to_continue: "" };
  return fits(alone) ? alone : (Object.create(null) as StructureAnswer);
}

/** The largest n in 0..max with fits(n), for a fits that holds up to some n and not after. */
function largestFitting(max: number, fits: (n: number) => boolean): number {
  let low = 0;
  let high = max;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

const pieceChars = (key: string, value: unknown) =>
  JSON.stringify(key).length + 1 + JSON.stringify(value).length;

function notesChars(notes: Notes): number {
  let chars = 0;
  for (const [key, note] of notes) chars += pieceChars(key, note);
  return chars;
}

/** Characters of `{piece,piece,...}` for `count` pieces of `chars` characters in all. */
const objectChars = (chars: number, count: number) => (count === 0 ? 2 : 2 + chars + count - 1);
