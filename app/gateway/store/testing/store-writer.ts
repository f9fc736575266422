/** Starts and stops store-writer.fixture.ts child processes for the stores' tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

const FIXTURE = join(import.meta.dirname, "store-writer.fixture.ts");
const children: ChildProcess[] = [];

export function startStoreWriter(
  target: string,
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
  // `node --import tsx` (not the tsx CLI, which forks a grandchild) so SIGKILL hits the writer itself.
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, target, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines };
}

export const childExited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve()),
  );

export async function stopStoreWriters(): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await childExited(child);
  }
}
