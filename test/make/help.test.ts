/**
 * `make help` is coloured on a terminal and plain everywhere else, whatever COLOR and NO_COLOR
 * the caller's environment holds (vitest's workers carry COLOR=1). The terminal is a real
 * pseudo-terminal from util-linux `script`.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ESC = "\u001b[";

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ["COLOR", "NO_COLOR", "FORCE_COLOR", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"])
    delete env[name];
  return { ...env, ...extra };
}

async function help(how: "terminal" | "pipe", env: Record<string, string>, args: string[] = []) {
  const make = ["make", "--no-print-directory", "help", ...args];
  const { stdout } =
    how === "terminal"
      ? await run("script", ["-qec", make.join(" "), "/dev/null"], { env: cleanEnv(env) })
      : await run(make[0]!, make.slice(1), { env: cleanEnv(env) });
  return stdout;
}

describe("make help", () => {
  it.each([
    ["on a terminal", "terminal", {}, []],
    ["on a terminal with COLOR=1 inherited", "terminal", { COLOR: "1" }, []],
    ["on a terminal with an empty NO_COLOR", "terminal", { NO_COLOR: "" }, []],
    ["in a pipe with COLOR=1 on the command line", "pipe", {}, ["COLOR=1"]],
  ] as const)("is coloured %s", async (_name, how, env, args) => {
    const out = await help(how, env, [...args]);
    expect(out).toContain(`${ESC}36m`);
    expect(out).toMatch(/help\s+.*Show this help/);
  });

  it.each([
    ["in a pipe", "pipe", {}, []],
    ["in a pipe with COLOR=1 inherited (as in vitest's workers)", "pipe", { COLOR: "1" }, []],
    ["in a pipe with FORCE_COLOR=1 inherited", "pipe", { FORCE_COLOR: "1" }, []],
    ["on a terminal with NO_COLOR=1", "terminal", { NO_COLOR: "1" }, []],
    ["on a terminal with NO_COLOR=1 and COLOR=1", "terminal", { NO_COLOR: "1", COLOR: "1" }, []],
    ["on a terminal with NO_COLOR=1 on the command line", "terminal", {}, ["NO_COLOR=1"]],
    ["on a terminal with COLOR=0 on the command line", "terminal", {}, ["COLOR=0"]],
    ["in a pipe with NO_COLOR=1 and COLOR=1 on the command line", "pipe", { NO_COLOR: "1" }, ["COLOR=1"]],
  ] as const)("is plain %s", async (_name, how, env, args) => {
    const out = await help(how, env, [...args]);
    expect(out).not.toContain(ESC);
    expect(out).toMatch(/^\s{2}help\s+Show this help\r?$/m);
  });
});
