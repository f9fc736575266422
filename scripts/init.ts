#!/usr/bin/env -S npx tsx
/**
 * `make init`: checks prerequisites (coloured report), installs dependencies when missing or
 * stale, installs the git hooks (husky), and creates .env from .env.example with fresh random
 * secrets (asking before overwriting an existing .env).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import semver from "semver";
import { which } from "zx";
import { describeError, RunbookError, runCli, yesFlag, type RunContext } from "../runbooks/lib/cli.js";
import { storeKeyAdmin } from "../runbooks/lib/key-admin.js";
import { stream } from "../runbooks/lib/exec.js";
import { runIfEntryPoint, type ScriptMain } from "../runbooks/lib/script-io.js";

type Level = "ok" | "warn" | "fail";
interface Check {
  name: string;
  level: Level;
  detail: string;
}

/** Secrets the template leaves empty and init fills with random values. */
const GENERATED_SECRETS = ["ADMIN_API_KEY", "KEY_PEPPER"];

function version(cmd: string, args = ["--version"]): string | null {
  try {
    return (
      execFileSync(cmd, args, { stdio: ["ignore", "pipe", "ignore"], timeout: 30_000 })
        .toString()
        .trim()
        .split("\n")[0] ?? ""
    );
  } catch {
    return null;
  }
}

function hasAwsCredentials(env: Record<string, string | undefined>): string | null {
  if (env.AWS_ACCESS_KEY_ID) return "AWS_ACCESS_KEY_ID";
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE}`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
    return "role credentials";
  if (existsSync(join(homedir(), ".aws", "credentials")) || existsSync(join(homedir(), ".aws", "config")))
    return "~/.aws";
  return null;
}

async function checkPrerequisites(root: string, env: Record<string, string | undefined>): Promise<Check[]> {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines?: { node?: string } };
  const wanted = pkg.engines?.node ?? ">=20";
  const checks: Check[] = [
    semver.satisfies(process.versions.node, wanted)
      ? { name: "Node.js", level: "ok", detail: `${process.version} (needs ${wanted})` }
      : { name: "Node.js", level: "fail", detail: `${process.version}, needs ${wanted}` },
  ];
  const npm = version("npm");
  checks.push(
    npm ? { name: "npm", level: "ok", detail: npm } : { name: "npm", level: "fail", detail: "not found" },
  );
  const git = version("git");
  checks.push(
    git
      ? { name: "git", level: "ok", detail: git }
      : { name: "git", level: "warn", detail: "not found: hooks cannot be installed" },
  );
  const pulumi = (await which("pulumi", { nothrow: true })) ? version("pulumi", ["version"]) : null;
  checks.push(
    pulumi
      ? { name: "Pulumi CLI", level: "ok", detail: pulumi }
      : {
          name: "Pulumi CLI",
          level: "warn",
          detail: "not found (optional: deploys and stack outputs need it)",
        },
  );
  const aws = hasAwsCredentials(env);
  checks.push(
    aws
      ? { name: "AWS credentials", level: "ok", detail: aws }
      : {
          name: "AWS credentials",
          level: "warn",
          detail: "none found (optional: only for deploys and runbooks on AWS)",
        },
  );
  const moto = await which("moto_server", { nothrow: true });
  checks.push(
    moto
      ? { name: "moto_server", level: "ok", detail: moto }
      : {
          name: "moto_server",
          level: "warn",
          detail: "not found (optional: the AWS tests need it: pip install 'moto[server]')",
        },
  );
  const rg = (await which("rg", { nothrow: true })) ? version("rg") : null;
  checks.push(
    rg
      ? { name: "ripgrep", level: "ok", detail: rg }
      : {
          name: "ripgrep",
          level: "warn",
          detail:
            "not found (recommended: the Core's first searches use it; its tests need it: apt-get install ripgrep)",
        },
  );
  return checks;
}

/** node_modules is missing, or older than package.json / package-lock.json. */
function dependenciesStale(root: string): string | null {
  const modules = join(root, "node_modules");
  if (!existsSync(modules)) return "node_modules is missing";
  const stamps = [".install-stamp", ".package-lock.json"].map((f) => join(modules, f)).filter(existsSync);
  if (stamps.length === 0) return "node_modules has no install record";
  const installed = Math.max(...stamps.map((f) => statSync(f).mtimeMs));
  for (const manifest of ["package.json", "package-lock.json"]) {
    const path = join(root, manifest);
    if (existsSync(path) && statSync(path).mtimeMs > installed)
      return `${manifest} changed since the last install`;
  }
  return null;
}

/**
 * The template for local work: every empty generated secret set to 32 random bytes (base64url),
 * and ALLOW_INSECURE_TUNNELS on, so the local Gateway (`make gateway`) accepts the local Core's
 * http URL (`make core`, TUNNEL=none). API_KEY is filled by `issueLocalApiKey`.
 */
function renderEnvFile(template: string): string {
  return template
    .replace(/^([A-Z_]+)=[ \t]*$/gm, (line, name: string) =>
      GENERATED_SECRETS.includes(name) ? `${name}=${randomBytes(32).toString("base64url")}` : line,
    )
    .replace(/^ALLOW_INSECURE_TUNNELS=.*$/m, "ALLOW_INSECURE_TUNNELS=true");
}

const GET_A_KEY = "make gateway, then make api-keys CMD=create, and put the key in .env as API_KEY";

/**
 * A real API key for the Core, issued on the local Gateway's own store (STORE=file, DATA_DIR,
 * KEY_PEPPER from the new .env), so `make gateway` then `make core` registers the first time.
 * Returns the .env text with API_KEY set, or unchanged (API_KEY empty) when that cannot be done.
 */
async function issueLocalApiKey(ctx: RunContext, root: string, text: string): Promise<string> {
  const settings = parseDotenv(text);
  if (settings.STORE !== "file" || !settings.KEY_PEPPER) {
    ctx.out.warn(`API_KEY left empty (the Gateway in .env is not a local file store): ${GET_A_KEY}`);
    return text;
  }
  try {
    const dataDir = resolve(root, settings.DATA_DIR || ".data/gateway");
    const issued = await storeKeyAdmin({ ...settings, DATA_DIR: dataDir }, {}).create({
      label: "make init (local Core)",
      expiration_days: 365,
    });
    ctx.out.ok(`API_KEY: key ${issued.key_id} issued on the local Gateway's store (${settings.DATA_DIR})`);
    return text.replace(/^API_KEY=.*$/m, `API_KEY=${issued.api_key}`);
  } catch (err) {
    ctx.out.warn(`API_KEY left empty (${describeError(err)}): ${GET_A_KEY}`);
    return text;
  }
}

async function createEnvFile(ctx: RunContext, root: string): Promise<void> {
  const { out } = ctx;
  const template = join(root, ".env.example");
  const target = join(root, ".env");
  if (!existsSync(template)) throw new RunbookError(".env.example is missing: cannot create .env");
  if (!existsSync(target)) {
    if (ctx.dryRun)
      return out.plan(
        "would create .env from .env.example (random secrets, an API_KEY for the local Gateway)",
      );
    const text = await issueLocalApiKey(ctx, root, renderEnvFile(readFileSync(template, "utf8")));
    writeFileSync(target, text, { mode: 0o600 });
    return out.ok(
      `created .env from .env.example (${GENERATED_SECRETS.join(", ")} generated, ALLOW_INSECURE_TUNNELS=true for local work)`,
    );
  }
  if (ctx.dryRun) return out.plan(".env exists: would ask before replacing it");
  const interactive = ctx.io.ask !== undefined && ctx.environment.CI !== "true";
  if (!ctx.yes && !interactive)
    return out.info(
      `.env exists: kept (re-run with ${yesFlag(ctx.environment)} to replace it from the template)`,
    );
  if (
    !ctx.yes &&
    !(await ctx.confirm(".env exists. Replace it from .env.example (the old one is kept as .env.backup)"))
  ) {
    return out.info(".env kept");
  }
  copyFileSync(target, join(root, ".env.backup"));
  const text = await issueLocalApiKey(ctx, root, renderEnvFile(readFileSync(template, "utf8")));
  writeFileSync(target, text, { mode: 0o600 });
  out.ok("replaced .env from .env.example; the previous one is in .env.backup");
}

export const main: ScriptMain = (argv, io) =>
  runCli(
    {
      name: "init",
      summary: "check prerequisites, install dependencies and git hooks, create .env",
      readsEnvFile: false,
      options: { "skip-install": { type: "boolean", description: "do not install dependencies" } },
      examples: ["make init", "npx tsx scripts/init.ts --yes   # CI: no questions, replaces .env"],
    },
    async (ctx) => {
      const { out } = ctx;
      const root = ctx.io.cwd;
      out.info(out.c.bold("Prerequisites"));
      const checks = await checkPrerequisites(root, ctx.environment);
      const mark = { ok: out.c.green("✔"), warn: out.c.yellow("!"), fail: out.c.red("✖") };
      const width = Math.max(...checks.map((c) => c.name.length)) + 2;
      for (const c of checks)
        out.info(
          `  ${mark[c.level]} ${c.name.padEnd(width)}${c.level === "ok" ? c.detail : out.c.dim(c.detail)}`,
        );
      const failed = checks.filter((c) => c.level === "fail");
      if (failed.length > 0)
        throw new RunbookError(`missing prerequisites: ${failed.map((c) => c.name).join(", ")}`);

      const stale = dependenciesStale(root);
      if (!stale) out.ok("dependencies up to date");
      else if (ctx.options["skip-install"]) out.warn(`${stale}; skipped (--skip-install)`);
      else if (ctx.dryRun) out.plan(`${stale}: would run npm ci`);
      else {
        await out.progress(`${stale}: npm ci`, () =>
          stream("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root }),
        );
        writeFileSync(join(root, "node_modules", ".install-stamp"), "");
        out.ok("dependencies installed");
      }

      const husky = join(root, "node_modules", ".bin", "husky");
      if (!existsSync(join(root, ".git"))) out.warn("not a git repository: git hooks skipped");
      else if (!existsSync(husky)) out.warn("husky is not installed: git hooks skipped");
      else if (ctx.dryRun) out.plan("would install the git hooks (husky)");
      else {
        execFileSync(husky, [], { cwd: root, stdio: "ignore" });
        out.ok("git hooks installed (pre-commit: prettier, eslint --fix, secret scan)");
      }

      await createEnvFile(ctx, root);
      if (ctx.dryRun) out.info(out.c.dim("dry run: nothing changed"));
      else
        out.info(
          `\nNext: ${out.c.cyan("make dev")} to run Gateway + Core together (or ${out.c.cyan("make gateway")} and ${out.c.cyan("make core")} apart), ${out.c.cyan("make test")} to run the tests.`,
        );
    },
    argv,
    io,
  );

await runIfEntryPoint(import.meta.url, main);
