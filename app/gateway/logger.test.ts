import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * The Gateway's buffered stdout logger, in a child process of its own (stdout is the thing
 * under test): `script` runs with `log` bound to createGatewayLogger("info").
 */
function runLogging(script: string, options: { closeStdout?: boolean } = {}) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `import { createGatewayLogger } from "./app/gateway/logger.ts";
       const log = createGatewayLogger("info");
       ${script}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  // Decoded as a stream: a character may be split between two chunks.
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  if (options.closeStdout) child.stdout.destroy();
  else child.stdout.on("data", (chunk: string) => (stdout += chunk));
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  return new Promise<{
    code: number | null;
    signal: string | null;
    lines: Record<string, unknown>[];
    stderr: string;
  }>((resolve) =>
    child.on("close", (code, signal) =>
      resolve({
        code,
        signal,
        lines: stdout
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as Record<string, unknown>),
        stderr,
      }),
    ),
  );
}

describe("createGatewayLogger", () => {
  it("writes every line, in order, as JSON with pino's fields, when the process exits at once", async () => {
    // 3,000 lines of ~130 bytes: many full buffers written on the way, and a partial one at exit.
    const { code, lines, stderr } = await runLogging(
      `for (let i = 0; i < 3000; i++) log.info({ seq: i, text: "naïve ✓" }, "line");
       process.exit(0);`,
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(lines).toHaveLength(3000);
    lines.forEach((line, i) => {
      expect(line).toMatchObject({
        level: 30,
        service: "gateway",
        name: "gateway",
        seq: i,
        text: "naïve ✓",
        msg: "line",
      });
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });
  });

  it("writes a quiet Gateway's line within its flush interval, without waiting for the buffer to fill", async () => {
    // SIGKILL: no exit handler runs, so the line can only have come from the periodic flush.
    const { signal, lines } = await runLogging(
      `log.info("one line");
       setTimeout(() => process.kill(process.pid, "SIGKILL"), 1_600);`,
    );
    expect(signal).toBe("SIGKILL");
    expect(lines.map((line) => line.msg)).toEqual(["one line"]);
  });

  it("flushes on request (logger.flush), as the start-up line needs", async () => {
    const { lines } = await runLogging(
      `log.info("listening");
       log.flush(() => process.kill(process.pid, "SIGKILL"));`,
    );
    expect(lines.map((line) => line.msg)).toEqual(["listening"]);
  });

  it("keeps the process running when stdout is closed (EPIPE)", async () => {
    const { code, stderr } = await runLogging(
      `let n = 0;
       const timer = setInterval(() => {
         for (let i = 0; i < 500; i++) log.info({ n: n++ }, "into a closed pipe");
         if (n >= 20_000) { clearInterval(timer); console.error("still running after", n); process.exit(0); }
       }, 5);`,
      { closeStdout: true },
    );
    expect(stderr).toContain("still running after 20000");
    expect(code).toBe(0);
  });
});
