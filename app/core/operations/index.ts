import { fileInfoOperation } from "./file-info.js";
import { listFilesOperation } from "./list-files.js";
import { listStructure } from "./list-structure.js";
import type { CoreOperation } from "./operation.js";
import { readFilesOperation } from "./read-files.js";
import { searchOperation } from "./search.js";

/** Every operation the Core serves, in the order tools are listed to a model. */
export const coreOperations: readonly CoreOperation[] = [
  listStructure,
  listFilesOperation,
  readFilesOperation,
  searchOperation,
  fileInfoOperation,
] as unknown as readonly CoreOperation[];
