import { z } from "zod";
import { defineOperation } from "./operation.js";

const directoryEntry = z.object({ directories: z.array(z.string()), files: z.array(z.string()) });

/** The project's directories and files, one entry per non-empty directory (`.` is the root). */
export const listStructure = defineOperation({
  name: "list_structure",
  title: "List project structure",
  description:
    'Directories and files of the project, one entry per non-empty directory keyed by its relative path ("." is the root).',
  input: z.strictObject({}),
  output: z.record(z.string(), directoryEntry),
  run: async ({ project }) => project.structure(),
});
