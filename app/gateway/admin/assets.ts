import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), "static");

/** The bundle `make artifact` writes beside the page; absent in a source checkout. */
export const PREBUILT_SCRIPT = "admin.js";

export interface AdminAsset {
  body: string;
  type: string;
}

/**
 * The admin page's files. The browser code is TypeScript in static/ (type-checked with the rest
 * of the project). A release ships it bundled (`make artifact` writes static/admin.js), so a
 * production Gateway only reads files; from a source checkout (`make dev`, tests) it is bundled
 * once, in memory, on first request. Nothing comes from a CDN.
 */
export function createAdminAssets(staticDir: string = STATIC_DIR): {
  get(name: string): Promise<AdminAsset | undefined>;
} {
  let script: Promise<string> | undefined;
  const loadScript = async (): Promise<string> => {
    try {
      return await readFile(join(staticDir, PREBUILT_SCRIPT), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      return bundleAdminScript(staticDir);
    }
  };

  return {
    async get(name) {
      switch (name) {
        case "index.html":
          return {
            body: await readFile(join(staticDir, "index.html"), "utf8"),
            type: "text/html; charset=utf-8",
          };
        case "admin.css":
          return {
            body: await readFile(join(staticDir, "admin.css"), "utf8"),
            type: "text/css; charset=utf-8",
          };
        case "admin.js":
          // A failed build is not cached, so a fixed file is picked up on the next request.
          script ??= loadScript().catch((err: unknown) => {
            script = undefined;
            throw err;
          });
          return { body: await script, type: "text/javascript; charset=utf-8" };
        default:
          return undefined;
      }
    },
  };
}

/** Bundles static/main.ts for the browser; `make artifact` calls it too, to ship the result. */
export async function bundleAdminScript(staticDir: string = STATIC_DIR): Promise<string> {
  // Loaded only when needed: a release never bundles at run time and ships without esbuild.
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [join(staticDir, "main.ts")],
    bundle: true,
    format: "esm",
    target: "es2020",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error("admin page bundle is empty");
  return file.text;
}
