#!/usr/bin/env -S npx tsx
/**
 * Cuts a release from the Conventional Commits since the last tag: bumps the version (semver),
 * writes the CHANGELOG.md section, commits, tags v<version>, then builds the artifact, deploys
 * to staging, smoke-checks it and promotes to prod on confirmation. See release.md.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RunbookError, runCli, type RunContext } from "./lib/cli.js";
import {
  nextVersion,
  parseCommit,
  prependChangelog,
  releaseTypeOf,
  renderChangelogSection,
  type ParsedCommit,
} from "./lib/conventional-commits.js";
import { capture, stream } from "./lib/exec.js";
import { resolveSettings } from "./lib/settings.js";
import { runIfEntryPoint, type ScriptIo, type ScriptMain } from "./lib/script-io.js";

const NAME = "release";
const FIELD = "\x1f";
const RECORD = "\x1e";

/** The checkout to release, and the environment git runs with there (author, committer). */
type Repo = Pick<ScriptIo, "cwd" | "env">;

const git = (repo: Repo, ...args: string[]) =>
  capture("git", args, { cwd: repo.cwd, env: repo.env as NodeJS.ProcessEnv });

async function lastTag(repo: Repo): Promise<string | null> {
  try {
    return (await git(repo, "describe", "--tags", "--abbrev=0", "--match", "v[0-9]*")).trim() || null;
  } catch {
    return null; // no release yet
  }
}

async function commitsSince(repo: Repo, tag: string | null): Promise<ParsedCommit[]> {
  const range = tag ? [`${tag}..HEAD`] : ["HEAD"];
  const log = await git(repo, "log", `--format=%H${FIELD}%B${RECORD}`, ...range);
  return log
    .split(RECORD)
    .map((entry) => entry.replace(/^\n+/, ""))
    .filter((entry) => entry.includes(FIELD))
    .map((entry) => {
      const [hash = "", message = ""] = entry.split(FIELD);
      return parseCommit(hash, message.trim());
    })
    .filter((c): c is ParsedCommit => c !== null);
}

function readPackageVersion(cwd: string): string {
  const pkg = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8")) as { version?: string };
  if (!pkg.version) throw new RunbookError("package.json has no version");
  return pkg.version;
}

/** Sets the version in package.json (and package-lock.json when present), keeping the format. */
function writeVersion(cwd: string, version: string): string[] {
  const files = ["package.json"];
  const set = (file: string, edit: (json: Record<string, unknown>) => void) => {
    const path = join(cwd, file);
    const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    edit(json);
    writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  };
  set("package.json", (json) => (json.version = version));
  if (existsSync(join(cwd, "package-lock.json"))) {
    files.push("package-lock.json");
    set("package-lock.json", (json) => {
      json.version = version;
      const root = (json.packages as Record<string, Record<string, unknown>> | undefined)?.[""];
      if (root) root.version = version;
    });
  }
  return files;
}

async function deployAndPromote(ctx: RunContext, cwd: string, version: string): Promise<void> {
  const { out } = ctx;
  const env = { ...ctx.io.env, RELEASE_VERSION: version };
  if (existsSync(join(cwd, "scripts/build-artifact.ts"))) {
    await out.progress(`building the release artifact for v${version}`, () =>
      stream("npx", ["--no-install", "tsx", "scripts/build-artifact.ts"], { cwd, env }),
    );
  } else {
    out.warn("scripts/build-artifact.ts not found: the deploy builds what it needs itself");
  }
  for (const stage of ["staging", "prod"] as const) {
    if (stage === "prod" && !(await ctx.confirm(`v${version} passed on staging. Promote it to prod`))) {
      out.warn(`not promoted: run \`make deploy ENV=prod\` from tag v${version} when ready`);
      return;
    }
    out.plan(`deploying v${version} to ${stage}`);
    await stream("make", ["deploy", `ENV=${stage}`], { cwd, env });
    const { url } = await resolveSettings(
      { url: { flag: `${stage}-url`, env: [`${stage.toUpperCase()}_GATEWAY_URL`], output: "gatewayUrl" } },
      { ...ctx, env: stage },
    );
    if (!url)
      throw new RunbookError(
        `no Gateway URL for ${stage}: give --${stage}-url or ${stage.toUpperCase()}_GATEWAY_URL`,
      );
    await stream("make", ["smoke", `URL=${url}`], { cwd, env });
    out.ok(`v${version} is live on ${stage} and passed the smoke check`);
  }
}

export const main: ScriptMain = (argv, io) =>
  runCli(
    {
      name: NAME,
      summary: "version, changelog, tag, build, deploy to staging, smoke check, promote to prod",
      options: {
        "skip-deploy": { type: "boolean", description: "stop after the release commit and tag" },
        "staging-url": {
          type: "string",
          arg: "<url>",
          description: "staging Gateway URL (else stack output gatewayUrl)",
        },
        "prod-url": {
          type: "string",
          arg: "<url>",
          description: "prod Gateway URL (else stack output gatewayUrl)",
        },
        "allow-dirty": {
          type: "boolean",
          description: "release even with uncommitted changes (they are not included)",
        },
      },
      examples: [
        "./runbooks/release.ts --dry-run",
        "./runbooks/release.ts --skip-deploy --yes",
        "make release",
      ],
    },
    async (ctx) => {
      const { out } = ctx;
      const repo = ctx.io;
      const cwd = repo.cwd;
      const dirty = (await git(repo, "status", "--porcelain", "--untracked-files=no")).trim();
      if (dirty && !ctx.options["allow-dirty"]) {
        throw new RunbookError(
          "the working tree has uncommitted changes: commit or stash them first (or --allow-dirty)",
        );
      }
      const tag = await lastTag(repo);
      const current = tag ? tag.replace(/^v/, "") : readPackageVersion(cwd);
      const commits = await commitsSince(repo, tag);
      const type = releaseTypeOf(commits);
      out.info(
        `${out.c.bold("last release")}: ${tag ?? "none"} · ${commits.length} conventional commit(s) since`,
      );
      if (!type) {
        out.ok("nothing to release: no feat, fix, perf or breaking change since the last tag");
        return;
      }
      const version = nextVersion(current, type);
      const date = new Date().toISOString().slice(0, 10);
      const section = renderChangelogSection(version, date, commits);
      out.plan(`${type} release: ${current} → ${out.c.bold(version)}`);
      out.info(out.c.dim(section.trimEnd()));
      out.plan(`commit package.json + CHANGELOG.md as "chore(release): v${version}", tag v${version}`);
      if (!ctx.options["skip-deploy"])
        out.plan("build the artifact, deploy to staging, smoke check, then promote to prod");
      if (ctx.dryRun) {
        out.info(out.c.dim("dry run: nothing changed"));
        return;
      }
      if (!(await ctx.confirm(`Release v${version}`))) throw new RunbookError("cancelled: nothing changed");

      const changelogPath = join(cwd, "CHANGELOG.md");
      const existing = existsSync(changelogPath) ? readFileSync(changelogPath, "utf8") : "";
      writeFileSync(changelogPath, prependChangelog(existing, section));
      const files = [...writeVersion(cwd, version), "CHANGELOG.md"];
      await git(repo, "add", "--", ...files);
      await git(repo, "commit", "-q", "-m", `chore(release): v${version}`, "--", ...files);
      await git(repo, "tag", "-a", `v${version}`, "-m", `v${version}`);
      out.ok(`tagged v${version} (push with: git push --follow-tags)`);
      if (ctx.options["skip-deploy"]) return;
      await deployAndPromote(ctx, cwd, version);
    },
    argv,
    io,
  );

await runIfEntryPoint(import.meta.url, main);
