#!/usr/bin/env -S npx tsx
/**
 * Builds the release artifact the Gateway hosts run (infra/user-data.ts):
 *   dist/release/codequery-release.tar.gz  (+ manifest.json with its sha256)
 * containing app/gateway/main.mjs and app/core/main.mjs (esbuild: platform node, ESM, node20),
 * the admin page's static files, and the few packages that cannot be bundled (native binaries).
 * The Pulumi program uploads it under releases/<sha256>.tar.gz, so a code change rolls the fleet.
 */
import { createHash } from "node:crypto";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { build } from "esbuild";
import { $, chalk } from "zx";
import { PREBUILT_WORKER_FILE } from "../app/core/search/scan-pool.js";
import { bundleAdminScript, PREBUILT_SCRIPT } from "../app/gateway/admin/assets.js";
import { colorEnabled } from "../runbooks/lib/output.js";
import { runIfEntryPoint, type ScriptIo } from "../runbooks/lib/script-io.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** Loaded at run time, with native parts: shipped as packages beside the bundles. */
const EXTERNAL_PACKAGES = ["@ngrok/ngrok", "@ngrok/ngrok-linux-x64-gnu", "koffi"];
/** koffi carries prebuilt binaries for every platform: the hosts are Linux, so only Linux's ship. */
const shipsFile = (path: string) => !/[/\\]build[/\\]koffi[/\\](?!linux_(x64|arm64)([/\\]|$))/.test(path);
/** Imported only in development (the admin page is bundled here, at build time): not shipped. */
const DEV_ONLY_PACKAGES = ["esbuild"];

const HELP = `Usage: npx tsx scripts/build-artifact.ts [--out <dir>]

Bundles app/gateway/main.ts and app/core/main.ts for Node 20 (ESM) into <dir>/app and packs
<dir>/codequery-release.tar.gz (reproducible: fixed mtimes and owners) with manifest.json.

  --out <dir>   output directory (default dist/release)
  --help        show this help`;

export interface BuiltArtifact {
  tarball: string;
  sha256: string;
  bytes: number;
}

/**
 * `sourceRoot` is the tree whose app/ is bundled (a git worktree of an older release for a
 * rollback); packages always come from this checkout's node_modules.
 */
export async function buildArtifact(outDir: string, sourceRoot: string = ROOT): Promise<BuiltArtifact> {
  const staging = join(outDir, "staging");
  await rm(outDir, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await build({
    absWorkingDir: sourceRoot,
    nodePaths: [join(ROOT, "node_modules")],
    entryPoints: { "app/gateway/main": "app/gateway/main.ts", "app/core/main": "app/core/main.ts" },
    outdir: staging,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    external: [...EXTERNAL_PACKAGES, ...DEV_ONLY_PACKAGES],
    // CommonJS dependencies inside an ESM bundle still call require().
    banner: {
      js: "import { createRequire as __cqCreateRequire } from 'node:module'; const require = __cqCreateRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
  // The Core's search workers run this bundle (esbuild, which would build it at run time, is not shipped).
  const scanWorker = join(sourceRoot, "app/core/search/scan-worker.ts");
  if (existsSync(scanWorker))
    await build({
      absWorkingDir: sourceRoot,
      nodePaths: [join(ROOT, "node_modules")],
      entryPoints: [scanWorker],
      outfile: join(staging, "app/core", PREBUILT_WORKER_FILE),
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      logLevel: "warning",
    });
  await cp(join(sourceRoot, "app/gateway/admin/static"), join(staging, "app/gateway/static"), {
    recursive: true,
  });
  // The admin page's script, bundled now so the Gateway never runs esbuild in production.
  await writeFile(
    join(staging, "app/gateway/static", PREBUILT_SCRIPT),
    await bundleAdminScript(join(sourceRoot, "app/gateway/admin/static")),
  );
  for (const pkg of EXTERNAL_PACKAGES) {
    await cp(join(ROOT, "node_modules", pkg), join(staging, "node_modules", pkg), {
      recursive: true,
      dereference: true,
      filter: shipsFile,
    });
  }
  const rootPackage = JSON.parse(await readFile(join(sourceRoot, "package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  await writeFile(
    join(staging, "package.json"),
    `${JSON.stringify({ name: rootPackage.name, version: rootPackage.version, type: "module", private: true }, null, 2)}\n`,
  );

  const tarball = join(outDir, "codequery-release.tar.gz");
  // Same inputs → same bytes → same hash: no re-rollout when nothing changed.
  await $({
    quiet: true,
  })`tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C ${staging} -cf - . | gzip -n > ${tarball}`;
  const bytes = await readFile(tarball);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  await writeFile(
    join(outDir, "manifest.json"),
    `${JSON.stringify({ file: "codequery-release.tar.gz", sha256, bytes: bytes.length, version: rootPackage.version }, null, 2)}\n`,
  );
  await rm(staging, { recursive: true, force: true });
  return { tarball, sha256, bytes: bytes.length };
}

export async function main(argv: string[], io: ScriptIo): Promise<number> {
  chalk.level = colorEnabled(io.env, io.stdout) ? 1 : 0;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
    if (values.help) {
      io.stdout.write(`${HELP}\n`);
      return 0;
    }
    const out = values.out ? resolve(io.cwd, values.out) : join(ROOT, "dist/release");
    const artifact = await buildArtifact(out);
    io.stdout.write(
      `${chalk.green("✓")} ${artifact.tarball} ${chalk.dim(`${(artifact.bytes / 1024 / 1024).toFixed(1)} MiB sha256 ${artifact.sha256.slice(0, 16)}…`)}\n`,
    );
    return 0;
  } catch (error) {
    io.stderr.write(`${chalk.red(`build-artifact: ${(error as Error).message.split("\n")[0]}`)}\n`);
    return 1;
  }
}

await runIfEntryPoint(import.meta.url, main);
