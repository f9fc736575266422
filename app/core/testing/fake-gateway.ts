import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Registration {
  apiKey: string | undefined;
  ngrokUrl: string;
  coreToken: string;
}

/**
 * A real HTTP server on loopback speaking the Gateway's registration contract
 * (POST /ngrok-urls/, GET /ngrok-urls/self). `failNext` makes the next N requests fail.
 */
export interface FakeGateway {
  url: string;
  registrations: Registration[];
  /** Every request line seen, to prove the key never travels in a URL. */
  requestUrls: string[];
  /** The next `count` requests answer `status` (default 503). */
  failNext(count: number, status?: number): void;
  /** Makes /self report another URL than the one registered. */
  lieAboutUrl(url: string | undefined): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeGateway(expectedKey: string, port = 0): Promise<FakeGateway> {
  const registrations: Registration[] = [];
  const requestUrls: string[] = [];
  let failures = 0;
  let failureStatus = 503;
  let lie: string | undefined;
  const server: Server = createServer((req, res) => {
    requestUrls.push(req.url ?? "");
    void (async () => {
      const body = await readBody(req);
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (failures > 0) {
        failures--;
        return reply(failureStatus, { detail: "temporarily unavailable" });
      }
      if (req.headers["x-api-key"] !== expectedKey) return reply(401, { detail: "Invalid API Key" });
      if (req.method === "POST" && req.url === "/ngrok-urls/") {
        const parsed = JSON.parse(body) as { ngrok_url: string; core_token: string };
        registrations.push({
          apiKey: req.headers["x-api-key"],
          ngrokUrl: parsed.ngrok_url,
          coreToken: parsed.core_token,
        });
        return reply(200, { message: "registered" });
      }
      if (req.method === "GET" && req.url === "/ngrok-urls/self") {
        const last = registrations.at(-1);
        if (!last) return reply(404, { detail: "no tunnel registered" });
        return reply(200, {
          key_id: "admin",
          ngrok_url: lie ?? last.ngrokUrl,
          registered_at: new Date().toISOString(),
        });
      }
      reply(404, { detail: "not found" });
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    registrations,
    requestUrls,
    failNext: (count, status = 503) => {
      failures = count;
      failureStatus = status;
    },
    lieAboutUrl: (url) => (lie = url),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
