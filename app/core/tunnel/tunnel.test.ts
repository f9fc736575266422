import { describe, expect, it } from "vitest";
import { silentLogger } from "../../common/logger.js";
import { loadCoreConfig } from "../config.js";
import { createNgrokTunnel, type NgrokForwardConfig, type NgrokListener } from "./ngrok.js";
import { createNoTunnel } from "./none.js";
import { selectTunnel } from "./select.js";

/** Stands in for the external `@ngrok/ngrok` SDK only: records the config and hands back a listener. */
function fakeForward(urls: string[]) {
  const calls: NgrokForwardConfig[] = [];
  let closed = false;
  let index = 0;
  const listener: NgrokListener = {
    url: () => urls[index] ?? null,
    close: async () => void (closed = true),
  };
  return {
    calls,
    isClosed: () => closed,
    reconnectTo(next: number) {
      index = next;
      calls[0]?.onStatusChange?.("connected");
    },
    forward: async (config: NgrokForwardConfig) => {
      calls.push(config);
      return listener;
    },
  };
}

describe("none tunnel", () => {
  it("answers CORE_PUBLIC_URL when set", async () => {
    expect(await createNoTunnel("https://core.example.com").start("http://127.0.0.1:5001")).toBe(
      "https://core.example.com",
    );
  });

  it("answers the local URL otherwise", async () => {
    expect(await createNoTunnel().start("http://127.0.0.1:5001")).toBe("http://127.0.0.1:5001");
  });
});

describe("ngrok tunnel", () => {
  it("forwards the local URL with the authtoken and domain, and answers the listener URL", async () => {
    const sdk = fakeForward(["https://abc.ngrok-free.app"]);
    const tunnel = createNgrokTunnel({
      authtoken: "tok",
      domain: "me.ngrok.app",
      logger: silentLogger(),
      forward: sdk.forward,
    });
    expect(await tunnel.start("http://127.0.0.1:5001")).toBe("https://abc.ngrok-free.app");
    expect(sdk.calls[0]).toMatchObject({
      addr: "http://127.0.0.1:5001",
      authtoken: "tok",
      domain: "me.ngrok.app",
    });
  });

  it("reports a new URL after the session reconnects elsewhere", async () => {
    const sdk = fakeForward(["https://one.ngrok-free.app", "https://two.ngrok-free.app"]);
    const tunnel = createNgrokTunnel({ authtoken: "tok", logger: silentLogger(), forward: sdk.forward });
    const seen: string[] = [];
    tunnel.onUrlChange((url) => seen.push(url));
    await tunnel.start("http://127.0.0.1:5001");
    sdk.reconnectTo(0);
    sdk.reconnectTo(1);
    expect(seen).toEqual(["https://two.ngrok-free.app"]);
  });

  it("closes the listener", async () => {
    const sdk = fakeForward(["https://abc.ngrok-free.app"]);
    const tunnel = createNgrokTunnel({ authtoken: "tok", logger: silentLogger(), forward: sdk.forward });
    await tunnel.start("http://127.0.0.1:5001");
    await tunnel.close();
    expect(sdk.isClosed()).toBe(true);
  });

  it("fails start-up when ngrok gives no URL", async () => {
    const tunnel = createNgrokTunnel({
      authtoken: "tok",
      logger: silentLogger(),
      forward: fakeForward([]).forward,
    });
    await expect(tunnel.start("http://127.0.0.1:5001")).rejects.toThrow(/no public URL/);
  });
});

describe("selectTunnel", () => {
  const base = { API_KEY: "0123456789abcdef", PROJECT_PATH: "." };

  it("chooses none by default and ngrok when TUNNEL=ngrok", () => {
    expect(selectTunnel(loadCoreConfig(base), silentLogger()).kind).toBe("none");
    expect(
      selectTunnel(loadCoreConfig({ ...base, TUNNEL: "ngrok", NGROK_AUTHTOKEN: "t" }), silentLogger()).kind,
    ).toBe("ngrok");
  });
});
