import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The pip requirement (`mcp==<version>`), kept in one file that `.ci/run` installs from too. */
export const PYTHON_MCP_REQUIREMENTS = join(
  dirname(fileURLToPath(import.meta.url)),
  "python-mcp.requirements.txt",
);

/** The Python `mcp` release the tests speak with (the client assistants' Python tooling ships). */
export const PYTHON_MCP_VERSION = /^mcp==(\S+)$/m.exec(readFileSync(PYTHON_MCP_REQUIREMENTS, "utf8"))![1]!;

/**
 * Where the venv lives: CQ_PYTHON_MCP_VENV when set (`.ci/run` sets it and fills it while npm ci
 * and lint run), else a per-version directory in the user's cache. Outside node_modules, so a
 * fresh clone or `npm ci` does not throw a finished install away.
 */
export function pythonMcpVenv(env: Record<string, string | undefined> = process.env): string {
  if (env.CQ_PYTHON_MCP_VENV) return env.CQ_PYTHON_MCP_VENV;
  const cache = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cache, "codequery", `py-mcp-${PYTHON_MCP_VERSION}`);
}

async function succeeds(file: string, args: string[]): Promise<string | undefined> {
  try {
    return (await run(file, args, { timeout: 60_000 })).stdout.trim();
  } catch {
    return undefined;
  }
}

/**
 * A Python with the official `mcp` client installed: a cached venv (see pythonMcpVenv), created
 * and filled with pip on first use (PyPI or the machine's configured index), reused while it
 * holds PYTHON_MCP_VERSION. `undefined` when this machine has no Python with pip and venv; a
 * failed install throws.
 */
export async function pythonWithMcp(venv = pythonMcpVenv()): Promise<string | undefined> {
  const python = join(venv, "bin", "python");
  const installed = existsSync(python)
    ? await succeeds(python, ["-c", "import importlib.metadata as m; print(m.version('mcp'))"])
    : undefined;
  if (installed === PYTHON_MCP_VERSION) return python;

  const hasPip = (await succeeds("python3", ["-m", "pip", "--version"])) !== undefined;
  const hasVenv = (await succeeds("python3", ["-c", "import venv, ensurepip"])) !== undefined;
  if (!hasPip || !hasVenv) return undefined;

  await run("python3", ["-m", "venv", "--clear", venv], { timeout: 120_000 });
  try {
    await run(
      python,
      ["-m", "pip", "install", "--quiet", "--retries", "1", "--timeout", "30", "-r", PYTHON_MCP_REQUIREMENTS],
      { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(
      `pip could not install mcp==${PYTHON_MCP_VERSION} into ${venv}:\n${stderr ?? String(err)}`,
    );
  }
  return python;
}
