import { z } from "zod";
import { MAX_STRUCTURE_DEPTH, TRUNCATED_KEY, UNREADABLE_KEY } from "../project/structure-listing.js";
import { defineOperation } from "./operation.js";

const directoryEntry = z.object({ directories: z.array(z.string()), files: z.array(z.string()) });

export const unreadableReport = z.object({
  count: z.number(),
  directories: z.array(z.object({ path: z.string(), error: z.string() })),
});

const truncationNote = z.object({
  reason: z.string(),
  levels_shown: z.number(),
  not_expanded: z.array(z.string()),
  entry_cut: z
    .object({
      path: z.string(),
      directories_shown: z.number(),
      directories_total: z.number(),
      files_shown: z.number(),
      files_total: z.number(),
    })
    .optional(),
  how_to_continue: z.string(),
});

/** The project's directories and files, one entry per non-empty directory (`.` is the root). */
export const listStructure = defineOperation({
  name: "list_structure",
  title: "List project structure",
  description:
    'Directories and files, one entry per non-empty directory keyed by its path relative to the root ("." is the root). ' +
    "Narrow with path (a directory) and depth (levels below it; 1 = its direct children). " +
    `If the answer would be too large it keeps the deepest complete levels that fit and adds a "${TRUNCATED_KEY}" note ` +
    `listing the directories not expanded: ask again with path set to one of them. Keys starting with "/" are notes, never directories; ` +
    `"${UNREADABLE_KEY}" names directories that could not be read.`,
  input: z.strictObject({
    path: z.string().optional(),
    depth: z
      .number({ error: `depth must be a whole number from 1 to ${MAX_STRUCTURE_DEPTH}` })
      .int({ error: `depth must be a whole number from 1 to ${MAX_STRUCTURE_DEPTH}` })
      .min(1, { error: `depth must be a whole number from 1 to ${MAX_STRUCTURE_DEPTH}` })
      .max(MAX_STRUCTURE_DEPTH, { error: `depth must be a whole number from 1 to ${MAX_STRUCTURE_DEPTH}` })
      .optional(),
  }),
  output: z.record(z.string(), z.union([directoryEntry, truncationNote, unreadableReport])),
  run: async ({ project, limits }, { path, depth }) =>
    project.listStructure({
      maxChars: limits.maxResponseChars,
      ...(path !== undefined ? { path } : {}),
      ...(depth !== undefined ? { depth } : {}),
    }),
});
