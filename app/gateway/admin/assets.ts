import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), "static");

export interface AdminAsset {
  body: string;
  type: string;
}

/**
 * The admin page's files. The browser code is TypeScript in static/ (type-checked with the rest
 * of the project) and bundled once, in memory, on first request: no build step, nothing from a
 * CDN, and the page works wherever the Gateway's source runs.
 */
export function createAdminAssets(): { get(name: string): Promise<AdminAsset | undefined> } {
  let script: Promise<string> | undefined;
  const bundleScript = async (): Promise<string> => {
    const result = await build({
      entryPoints: [join(STATIC_DIR, "main.ts")],
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
  };

  return {
    async get(name) {
      switch (name) {
        case "index.html":
          return {
            body: await readFile(join(STATIC_DIR, "index.html"), "utf8"),
            type: "text/html; charset=utf-8",
          };
        case "admin.css":
          return {
            body: await readFile(join(STATIC_DIR, "admin.css"), "utf8"),
            type: "text/css; charset=utf-8",
          };
        case "admin.js":
          // A failed build is not cached, so a fixed file is picked up on the next request.
          script ??= bundleScript().catch((err: unknown) => {
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
