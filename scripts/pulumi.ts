#!/usr/bin/env -S npx tsx
/**
 * `make preview|deploy|rollback ENV=...`: the Pulumi CLI for one stack, with the release artifact
 * built first and the policy pack enforced. Nothing is simulated: without the CLI it stops.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { $, chalk, spinner, which } from "zx";
import { argumentMistake } from "../runbooks/lib/cli.js";
import { colorEnabled } from "../runbooks/lib/output.js";
import { runIfEntryPoint, type ScriptIo } from "../runbooks/lib/script-io.js";
import { buildArtifact } from "./build-artifact.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const ENVIRONMENTS = ["dev", "staging", "prod"];
const COMMANDS = ["preview", "deploy", "rollback"] as const;
type Command = (typeof COMMANDS)[number];

export const INSTALL_HINT =
  "pulumi CLI not found on PATH: install it (curl -fsSL https://get.pulumi.com | sh, or see https://www.pulumi.com/docs/install/), then run `pulumi login` and try again";

const HELP = `Usage: npx tsx scripts/pulumi.ts <preview|deploy|rollback> --env <dev|staging|prod> [options]

  preview    build the artifact, \`pulumi preview\` with the policy pack (changes nothing)
  deploy     build the artifact, \`pulumi up\` with the policy pack, wait for the Gateway's
             health check, print the stack outputs
  rollback   rebuild the artifact from an earlier git ref (--to) and deploy it: rolls the
             application back on the current infrastructure code

Options:
  --env <env>          stack to act on (default dev)
  --to <git ref>       rollback: release tag or commit to return to (e.g. v0.3.1)
  --skip-build         use the artifact already in dist/release
  --health-timeout <s> seconds to wait for GET <gatewayUrl>/ to answer 200 (default 600)
  --help               show this help`;

/** A failure with one line for the operator; `reported` when that line is already printed. */
class DeployError extends Error {
  constructor(
    message: string,
    readonly reported = false,
  ) {
    super(message);
  }
}

/** Lines for the operator: results on stdout, failures on stderr. */
interface Lines {
  out(line: string): void;
  err(line: string): void;
}

interface Options {
  command: Command;
  env: string;
  to?: string;
  skipBuild: boolean;
  healthTimeoutSeconds: number;
}

function parseOptions(args: string[]): Options | "help" {
  let parsed;
  try {
    // Strict: a misspelt option (`--evn prod`) is refused, never ignored.
    parsed = parseArgs({
      args,
      options: {
        env: { type: "string" },
        to: { type: "string" },
        "health-timeout": { type: "string" },
        "skip-build": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new DeployError(`${argumentMistake(err)} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const command = positionals[0] as Command | undefined;
  if (!command || !COMMANDS.includes(command))
    throw new DeployError(`expected a command: ${COMMANDS.join(", ")} (see --help)`);
  if (positionals.length > 1) throw new DeployError(`unexpected argument "${positionals[1]}" (see --help)`);
  const env = values.env ?? "dev";
  if (!ENVIRONMENTS.includes(env))
    throw new DeployError(`--env must be one of ${ENVIRONMENTS.join(", ")}, got "${env}"`);
  if (command === "rollback" && !values.to)
    throw new DeployError("rollback needs --to <git ref> (a release tag or commit)");
  const healthTimeoutSeconds = Number(values["health-timeout"] ?? 600);
  if (!Number.isInteger(healthTimeoutSeconds) || healthTimeoutSeconds < 0)
    throw new DeployError("--health-timeout must be a whole number of seconds");
  return {
    command,
    env,
    to: values.to,
    skipBuild: values["skip-build"] ?? false,
    healthTimeoutSeconds,
  };
}

async function build(o: Options, say: Lines): Promise<void> {
  if (o.skipBuild) return;
  const out = join(ROOT, "dist/release");
  if (o.command !== "rollback") {
    const artifact = await spinner("building the release artifact", () => buildArtifact(out));
    say.out(`${chalk.green("✓")} artifact ${chalk.dim(artifact.sha256.slice(0, 16))}`);
    return;
  }
  const tree = await mkdtemp(join(tmpdir(), "codequery-rollback-"));
  try {
    await $({ cwd: ROOT, quiet: true })`git worktree add --detach ${tree} ${o.to}`;
    const artifact = await spinner(`building the release artifact from ${o.to}`, () =>
      buildArtifact(out, tree),
    );
    say.out(`${chalk.green("✓")} artifact from ${o.to} ${chalk.dim(artifact.sha256.slice(0, 16))}`);
  } finally {
    await $({ cwd: ROOT, quiet: true, nothrow: true })`git worktree remove --force ${tree}`;
    await rm(tree, { recursive: true, force: true });
  }
}

/** Polls GET <url>/ until it answers 200, for at most `timeoutSeconds`. */
async function waitForHealth(url: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(10_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
  throw new DeployError(
    `the Gateway at ${url} did not pass its health check within ${timeoutSeconds}s (${last})`,
  );
}

async function run(o: Options, say: Lines): Promise<void> {
  await build(o, say);
  const stack = ["--stack", o.env, "--cwd", ROOT];
  if (o.command === "preview") {
    await $({ stdio: "inherit" })`pulumi preview ${stack} --policy-pack ${join(ROOT, "policy")} --diff`;
    return;
  }
  try {
    await $({ stdio: "inherit" })`pulumi up ${stack} --policy-pack ${join(ROOT, "policy")} --yes`;
    const outputs = JSON.parse(
      (await $({ quiet: true })`pulumi stack output ${stack} --json`).stdout,
    ) as Record<string, string>;
    for (const [name, value] of Object.entries(outputs)) say.out(`  ${chalk.cyan(name.padEnd(22))} ${value}`);
    if (/^https?:\/\//.test(outputs.gatewayUrl ?? "")) {
      await spinner(`waiting for ${outputs.gatewayUrl}/ to answer 200`, () =>
        waitForHealth(outputs.gatewayUrl!, o.healthTimeoutSeconds),
      );
      say.out(`${chalk.green("✓")} ${o.env} is healthy at ${outputs.gatewayUrl}`);
    } else {
      say.out(
        chalk.yellow(`no public URL in ${o.env}: ${outputs.gatewayAccess ?? "(see the stack outputs)"}`),
      );
    }
  } catch (error) {
    say.err(chalk.red(`${o.command} of ${o.env} failed: ${(error as Error).message.split("\n")[0]}`));
    say.err(
      `To roll back the application: ${chalk.bold(`make rollback ENV=${o.env} TO=<previous release tag>`)}; ` +
        `infrastructure changes: revert the commit and \`make deploy ENV=${o.env}\`, or \`pulumi stack history --stack ${o.env}\` to see what changed.`,
    );
    throw new DeployError(`${o.command} failed`, true);
  }
}

export async function main(args: string[], io: ScriptIo): Promise<number> {
  chalk.level = colorEnabled(io.env, io.stdout) ? 1 : 0;
  const say: Lines = {
    out: (line) => void io.stdout.write(`${line}\n`),
    err: (line) => void io.stderr.write(`${line}\n`),
  };
  try {
    const options = parseOptions(args);
    if (options === "help") {
      say.out(HELP);
      return 0;
    }
    if (!(await which("pulumi", { nothrow: true, path: io.env.PATH }))) throw new DeployError(INSTALL_HINT);
    await run(options, say);
    return 0;
  } catch (error) {
    if (error instanceof DeployError) {
      if (!error.reported) say.err(chalk.red(error.message));
      return 1;
    }
    say.err(chalk.red(`pulumi.ts: ${(error as Error).message.split("\n")[0]}`));
    return 1;
  }
}

await runIfEntryPoint(import.meta.url, main);
