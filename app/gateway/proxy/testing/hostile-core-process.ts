/**
 * A hostile Core, run as its own process (so its memory is not the Gateway's): every answer is
 * 19 MiB of JSON-typed bytes sent at once, then one more byte every 20 s, never ending; `/mcp`
 * answers an event stream that never ends. Prints `{"url": ...}` once listening.
 */
import { createServer } from "node:http";

const MIB = 1024 * 1024;
const burst = Buffer.alloc(19 * MIB, "x");

const server = createServer((req, res) => {
  req.resume();
  const timers: NodeJS.Timeout[] = [];
  res.on("close", () => timers.forEach(clearInterval));
  if (req.url?.startsWith("/mcp")) {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("event: message\ndata: {}\n\n");
    timers.push(setInterval(() => res.write(": still here\n\n"), 200));
    return;
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.write(burst);
  timers.push(setInterval(() => res.write("x"), 20_000));
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
// Never outlive the test process that started this one (see hostile-core.ts).
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
