/**
 * Child process of the benchmark: the floor a Node proxy cannot go below on this machine — a
 * plain `http` server forwarding every request to the Core over one pooled undici Agent, with
 * no authentication, rate limit, metrics, logs or header policy. CORE_URL names the Core.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, type Dispatcher } from "undici";
import { serveUntilParentLeaves } from "./child-process.js";

const core = new URL(process.env.CORE_URL ?? "");
const agent = new Agent({ keepAliveTimeout: 10_000 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    agent
      .request({
        origin: core.origin,
        path: req.url ?? "/",
        method: (req.method ?? "GET") as Dispatcher.HttpMethod,
        headers,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      })
      .then(async (answer) => {
        const body = Buffer.from(await answer.body.arrayBuffer());
        res.writeHead(answer.statusCode, { "content-type": String(answer.headers["content-type"] ?? "") });
        res.end(body);
      })
      .catch(() => res.writeHead(502).end());
  });
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  void serveUntilParentLeaves(`http://127.0.0.1:${port}`, async () => {
    server.close();
    await agent.close();
  });
});
