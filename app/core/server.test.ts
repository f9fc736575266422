import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startTestCore, TEST_API_KEY, type RunningCore } from "./testing/start-core.js";
import { createTempProject, type TempProject } from "./testing/temp-project.js";

let project: TempProject | undefined;
let running: RunningCore | undefined;
afterEach(() => project?.cleanup());

describe("graceful shutdown", () => {
  it("finishes an in-flight request before closing", async () => {
    project = createTempProject({ "a.txt": "hello" });
    running = await startTestCore(project.root);
    const url = new URL(`${running.url}/files/content`);
    const body = JSON.stringify({ file_paths: ["a.txt"] });
    let answered: (value: { status: number; text: string }) => void = () => undefined;
    const response = new Promise<{ status: number; text: string }>((resolve) => (answered = resolve));
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "X-API-KEY": TEST_API_KEY,
          "Content-Type": "application/json",
          "Content-Length": body.length,
        },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => answered({ status: res.statusCode ?? 0, text }));
      },
    );
    const arrived = new Promise((resolve) => running!.core.server!.once("request", resolve));
    req.write(body.slice(0, 5));
    await arrived;
    const closing = running.close();
    req.end(body.slice(5));
    const { status, text } = await response;
    await closing;
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      "a.txt": { content: "hello", total_lines: 1, start_line: 1, end_line: 1 },
    });
    await expect(fetch(`${running.url}/`)).rejects.toThrow();
  });
});
