import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The Python `mcp` release the tests speak with (the client assistants' Python tooling ships). */
export const PYTHON_MCP_VERSION = "2.3.0";

const VENV = join(process.cwd(), "node_modules", ".cache", "py-mcp");
const VENV_PYTHON = join(VENV, "bin", "python");

async function succeeds(file: string, args: string[]): Promise<string | undefined> {
  try {
    return (await run(file, args, { timeout: 60_000 })).stdout.trim();
  } catch {
    return undefined;
  }
}

/**
 * A Python with the official `mcp` client installed: a venv cached under node_modules/.cache,
 * created and filled with pip on first use (PyPI or the machine's configured index).
 * `undefined` when this machine has no Python with pip and venv; a failed install throws.
 */
export async function pythonWithMcp(): Promise<string | undefined> {
  const installed = existsSync(VENV_PYTHON)
    ? await succeeds(VENV_PYTHON, ["-c", "import importlib.metadata as m; print(m.version('mcp'))"])
    : undefined;
  if (installed === PYTHON_MCP_VERSION) return VENV_PYTHON;

  const hasPip = (await succeeds("python3", ["-m", "pip", "--version"])) !== undefined;
  const hasVenv = (await succeeds("python3", ["-c", "import venv, ensurepip"])) !== undefined;
  if (!hasPip || !hasVenv) return undefined;

  await run("python3", ["-m", "venv", "--clear", VENV], { timeout: 120_000 });
  try {
    await run(
      VENV_PYTHON,
      ["-m", "pip", "install", "--quiet", "--retries", "1", "--timeout", "30", `mcp==${PYTHON_MCP_VERSION}`],
      { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(
      `pip could not install mcp==${PYTHON_MCP_VERSION} into ${VENV}:\n${stderr ?? String(err)}`,
    );
  }
  return VENV_PYTHON;
}
