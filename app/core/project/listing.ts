import { listFilesPage, type FileListPage, type FileListRequest } from "./file-listing.js";
import { resolveListingTarget, type ListingDeps } from "./listing-target.js";
import { structureOf, type StructureAnswer, type StructureRequest } from "./structure-listing.js";
import type { ProjectTree } from "./tree.js";
import type { TreeSnapshot } from "./tree-node.js";

/** `path`: a directory relative to the root, with the confinement and ignore rules of file reads. */
export type StructureListingRequest = StructureRequest & { path?: string };
export type FileListingRequest = FileListRequest & { path?: string };

export interface Listing {
  structure(request: StructureListingRequest): Promise<StructureAnswer>;
  files(request: FileListingRequest): Promise<FileListPage>;
}

/**
 * The listings of the project tree. The whole-tree structure (no path, no depth) is what clients
 * ask for most: its answer is kept per tree snapshot, so an unchanged tree answers the same
 * object (and the HTTP route can reuse its serialised form).
 */
export function createListing(deps: ListingDeps & { tree: ProjectTree }): Listing {
  let whole: { snapshot: TreeSnapshot; maxChars: number; answer: StructureAnswer } | undefined;
  return {
    async structure(request) {
      const snapshot = await deps.tree.current();
      const isWhole = request.path === undefined && request.depth === undefined;
      if (isWhole && whole?.snapshot === snapshot && whole.maxChars === request.maxChars) return whole.answer;
      const answer = structureOf(snapshot, resolveListingTarget(deps, snapshot, request.path), request);
      if (isWhole) whole = { snapshot, maxChars: request.maxChars, answer };
      return answer;
    },
    async files(request) {
      const snapshot = await deps.tree.current();
      return listFilesPage(
        deps.rootReal,
        snapshot,
        resolveListingTarget(deps, snapshot, request.path),
        request,
      );
    },
  };
}
