import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../../test/e2e/support/browser.js";
import type { TestGateway } from "../testing/gateway-harness.js";
import { InMemoryOAuthClient } from "./testing/mcp-oauth-client.js";
import {
  freePort,
  startOAuthGateway,
  startRegisteredCore,
  type RegisteredCore,
} from "./testing/oauth-gateway.js";

/** The consent page in real Chromium, as the person sees it, between the SDK client's two halves. */
describe("the consent page in Chromium", { timeout: 120_000 }, () => {
  let gw: TestGateway;
  let core: RegisteredCore;
  let user: { api_key: string; key_id: string };
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  // The client's redirect URI, as a native app's loopback listener: it records where the browser lands.
  let callback: Server;
  let REDIRECT: string;
  const arrivals: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    REDIRECT = `http://127.0.0.1:${port}/callback`;
    callback = createServer((req, res) => {
      arrivals.push(`http://127.0.0.1:${port}${req.url}`);
      res.writeHead(200, { "content-type": "text/plain" }).end("back at the client");
    });
    await new Promise<void>((resolve) => callback.listen(port, "127.0.0.1", resolve));
    gw = await startOAuthGateway();
    user = await gw.generateKey();
    core = await startRegisteredCore(gw, user.api_key);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await core?.close();
    await gw?.close();
    await new Promise((resolve) => callback?.close(resolve));
  });

  it("shows the client, takes the key, approves, and the SDK client then lists the tools", async () => {
    const oauth = new InMemoryOAuthClient(REDIRECT, undefined, "Chromium <b>Test</b> Client");
    const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { authProvider: oauth });
    await expect(
      new Client({ name: "chromium", version: "1.0.0" }).connect(transport),
    ).rejects.toBeInstanceOf(UnauthorizedError);

    const page = await browser.context.newPage();
    await page.goto(oauth.authorizationUrl!.toString());
    // Metadata is text, never markup.
    expect(await page.textContent("#client-name")).toBe("Chromium <b>Test</b> Client");
    expect(await page.textContent("#redirect-uri")).toBe(REDIRECT);
    expect(await page.textContent("#resource")).toBe(`${gw.url}/mcp`);

    await page.fill("#api_key", `cq_${"a".repeat(12)}_${"w".repeat(43)}`);
    await page.click("#approve");
    expect(await page.textContent(".error")).toContain("was not accepted");

    await page.fill("#api_key", user.api_key);
    await Promise.all([page.waitForURL(`${REDIRECT}**`), page.click("#approve")]);
    expect(await page.textContent("body")).toBe("back at the client");
    const landed = arrivals.find((url) => url.startsWith(`${REDIRECT}?`));
    const code = new URL(landed!).searchParams.get("code");
    expect(code).toBeTruthy();
    expect(page.url()).not.toContain(user.api_key);
    await page.close();

    await transport.finishAuth(code!);
    const client = new Client({ name: "chromium", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { authProvider: oauth }),
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("read_files");
    await client.close();
  });
});
