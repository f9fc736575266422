/**
 * Advice per tool for exploring a large repository, in the order a model would use them.
 * Only the tools this server registers are mentioned, so the text stays true while the tool
 * set grows; each tool's own description carries its exact arguments.
 */
const ADVICE: ReadonlyArray<readonly [tool: string, advice: string]> = [
  [
    "list_structure",
    "list_structure shows directories and files. In a large repository start shallow: list the root or one subdirectory with a small depth, then go deeper only where it matters.",
  ],
  [
    "list_files",
    "list_files pages through the files of a directory; when an answer carries a cursor, call again with it for the next page instead of asking for everything at once.",
  ],
  [
    "search",
    "search finds text (or a regular expression) across files and returns matching lines with line numbers. Narrow it with path and glob, ask for context lines around hits, and continue a truncated search with its cursor.",
  ],
  [
    "file_info",
    "file_info tells a file's size, line count and kind without reading it: use it to decide what and how much to read.",
  ],
  [
    "read_files",
    "read_files returns file contents. For big files read a line range around what search found, and read several related files in one call.",
  ],
];

const PREAMBLE =
  "CodeQuery serves one project's source code, read-only. Paths are relative to the project root; " +
  "files hidden by the project's ignore rules (and secrets such as .env files) are never served.";

const BUDGET =
  "Every answer is kept under a size budget: when one is cut, it says so and how to continue " +
  "(a cursor, a next line, directories left unexpanded). Prefer several narrow calls to one wide one.";

/** The server's `instructions`: how to explore a large repository with the tools it has. */
export function serverInstructions(toolNames: readonly string[]): string {
  const registered = new Set(toolNames);
  const advice = ADVICE.filter(([tool]) => registered.has(tool)).map(([, text]) => `- ${text}`);
  return [PREAMBLE, ...(advice.length > 0 ? ["How to explore:", ...advice] : []), BUDGET].join("\n");
}
