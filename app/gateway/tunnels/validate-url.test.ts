import { describe, expect, it } from "vitest";
import { BadRequestError } from "../../common/errors.js";
import { DEFAULT_TUNNEL_HOST_ALLOWLIST, validateTunnelUrl, type HostResolver } from "./validate-url.js";

/** A resolver that answers from a fixed table, like a DNS zone we control. */
function fakeDns(table: Record<string, string[]>): HostResolver {
  return async (host) => {
    const answer = table[host];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return answer;
  };
}

const PUBLIC = "3.125.102.39";
const strict = (resolve: HostResolver) => ({
  allowlist: DEFAULT_TUNNEL_HOST_ALLOWLIST,
  allowInsecure: false,
  resolve,
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BadRequestError);
  return (err as BadRequestError).message;
}

describe("validateTunnelUrl", () => {
  it("accepts an https ngrok URL that resolves to public addresses", async () => {
    const dns = fakeDns({ "abc.ngrok-free.app": [PUBLIC, "2a05:d014:1::10"] });
    const url = await validateTunnelUrl("https://abc.ngrok-free.app", strict(dns));
    expect(url.href).toBe("https://abc.ngrok-free.app/");
  });

  it("accepts a path prefix and a port", async () => {
    const dns = fakeDns({ "abc.ngrok.app": [PUBLIC] });
    const url = await validateTunnelUrl("https://abc.ngrok.app:8443/core", strict(dns));
    expect(url.pathname).toBe("/core");
  });

  it.each([[undefined], [42], [""], ["   "], [{ url: "https://abc.ngrok.app" }]])(
    "refuses %j: not a string",
    async (raw) => {
      expect(await refusal(validateTunnelUrl(raw, strict(fakeDns({}))))).toMatch(/non-empty string/);
    },
  );

  it.each(["not a url", "abc.ngrok.app", "//abc.ngrok.app", "https://"])(
    "refuses %s: not a URL",
    async (raw) => {
      expect(await refusal(validateTunnelUrl(raw, strict(fakeDns({}))))).toMatch(/not a valid URL/);
    },
  );

  it("refuses a URL longer than the limit", async () => {
    const raw = `https://abc.ngrok.app/${"a".repeat(3000)}`;
    expect(await refusal(validateTunnelUrl(raw, strict(fakeDns({}))))).toMatch(/too long/);
  });

  it("refuses http", async () => {
    const dns = fakeDns({ "abc.ngrok.app": [PUBLIC] });
    expect(await refusal(validateTunnelUrl("http://abc.ngrok.app", strict(dns)))).toMatch(/must use https/);
  });

  it.each(["ftp://abc.ngrok.app", "file:///etc/passwd", "gopher://abc.ngrok.app:70/", "javascript:alert(1)"])(
    "refuses the scheme of %s",
    async (raw) => {
      expect(await refusal(validateTunnelUrl(raw, { ...strict(fakeDns({})), allowInsecure: true }))).toMatch(
        /must use https/,
      );
    },
  );

  it("refuses credentials in the URL", async () => {
    const dns = fakeDns({ "abc.ngrok.app": [PUBLIC] });
    expect(await refusal(validateTunnelUrl("https://user:pw@abc.ngrok.app", strict(dns)))).toMatch(
      /credentials/,
    );
    expect(await refusal(validateTunnelUrl("https://user@abc.ngrok.app", strict(dns)))).toMatch(
      /credentials/,
    );
  });

  it("refuses a query string or fragment", async () => {
    const dns = fakeDns({ "abc.ngrok.app": [PUBLIC] });
    expect(await refusal(validateTunnelUrl("https://abc.ngrok.app/?x=1", strict(dns)))).toMatch(
      /query string/,
    );
    expect(await refusal(validateTunnelUrl("https://abc.ngrok.app/#x", strict(dns)))).toMatch(/query string/);
  });

  it.each([
    "https://example.com",
    "https://ngrok.app",
    "https://abc.ngrok.app.evil.com",
    "https://evil-ngrok.app",
  ])("refuses %s: host not in the allowlist", async (raw) => {
    const dns = fakeDns({
      "example.com": [PUBLIC],
      "ngrok.app": [PUBLIC],
      "abc.ngrok.app.evil.com": [PUBLIC],
      "evil-ngrok.app": [PUBLIC],
    });
    expect(await refusal(validateTunnelUrl(raw, strict(dns)))).toMatch(/not an allowed tunnel domain/);
  });

  it("accepts an exact host from a custom allowlist", async () => {
    const dns = fakeDns({ "core.example.com": [PUBLIC] });
    const url = await validateTunnelUrl("https://core.example.com", {
      allowlist: ["core.example.com"],
      allowInsecure: false,
      resolve: dns,
    });
    expect(url.hostname).toBe("core.example.com");
  });

  it.each([
    ["127.0.0.1", /loopback/],
    ["::1", /loopback/],
    ["10.0.0.7", /private/],
    ["172.20.1.1", /private/],
    ["192.168.0.10", /private/],
    ["100.100.100.200", /carrier-grade NAT/],
    ["169.254.10.10", /link-local/],
    ["fe80::abcd", /link-local/],
    ["169.254.169.254", /metadata/],
    ["fd00:ec2::254", /metadata/],
    ["fd11:2233::1", /unique-local/],
    ["0.0.0.0", /unspecified/],
    ["::", /unspecified/],
    ["239.1.2.3", /multicast/],
    ["255.255.255.255", /broadcast/],
    ["240.1.2.3", /reserved/],
    ["::ffff:127.0.0.1", /loopback.*embeds 127\.0\.0\.1/],
    ["::ffff:10.0.0.1", /private.*embeds/],
    ["64:ff9b::a00:1", /private.*embeds 10\.0\.0\.1/],
    ["2002:a9fe:a9fe::1", /metadata.*embeds 169\.254\.169\.254/],
  ])("refuses a host that resolves to %s", async (address, reason) => {
    const dns = fakeDns({ "evil.ngrok.app": [address] });
    const message = await refusal(validateTunnelUrl("https://evil.ngrok.app", strict(dns)));
    expect(message).toContain(`resolves to ${address}`);
    expect(message).toMatch(reason);
  });

  it("refuses a host when any one of its addresses is forbidden", async () => {
    const dns = fakeDns({ "mixed.ngrok.app": [PUBLIC, "10.1.1.1"] });
    expect(await refusal(validateTunnelUrl("https://mixed.ngrok.app", strict(dns)))).toMatch(
      /10\.1\.1\.1, a private-network address/,
    );
  });

  it("refuses a host that resolves to nothing", async () => {
    const dns = fakeDns({ "empty.ngrok.app": [] });
    expect(await refusal(validateTunnelUrl("https://empty.ngrok.app", strict(dns)))).toMatch(
      /does not resolve/,
    );
    expect(await refusal(validateTunnelUrl("https://nxdomain.ngrok.app", strict(dns)))).toMatch(
      /does not resolve/,
    );
  });

  it("refuses a host whose resolution does not finish in time", async () => {
    const hanging: HostResolver = () => new Promise(() => {});
    const options = { ...strict(hanging), resolveTimeoutMs: 20 };
    expect(await refusal(validateTunnelUrl("https://slow.ngrok.app", options))).toMatch(
      /could not be resolved in time/,
    );
  });

  it("refuses localhost as really resolved by the system, even when allowlisted", async () => {
    const message = await refusal(
      validateTunnelUrl("https://localhost", { allowlist: ["localhost"], allowInsecure: false }),
    );
    expect(message).toMatch(/"localhost" resolves to (127\.0\.0\.1|::1), a loopback address/);
  });

  it.each([
    ["http://2130706433", "127.0.0.1"],
    ["https://2130706433", "127.0.0.1"],
    ["https://0x7f.1", "127.0.0.1"],
    ["https://0177.0.0.1", "127.0.0.1"],
    ["https://0x7f000001", "127.0.0.1"],
    ["https://127.1", "127.0.0.1"],
    ["https://[::ffff:7f00:1]", "::ffff:7f00:1"],
    ["https://[::ffff:127.0.0.1]", "::ffff:7f00:1"],
    ["https://0xa9.0xfe.0xa9.0xfe", "169.254.169.254"],
  ])("judges the IP literal %s as %s", async (raw, address) => {
    const message = await refusal(
      validateTunnelUrl(raw, {
        allowlist: ["127.0.0.1", "[::ffff:7f00:1]", "169.254.169.254"],
        allowInsecure: false,
        resolve: fakeDns({}),
      }),
    );
    expect(message).toMatch(
      raw.startsWith("http:") ? /https/ : new RegExp(`host ${address.replace(/[.[\]]/g, "\\$&")} is`),
    );
  });

  it("refuses IP literals outside the allowlist before any resolution", async () => {
    const message = await refusal(validateTunnelUrl("https://0x7f.1", strict(fakeDns({}))));
    expect(message).toMatch(/"127\.0\.0\.1" is not an allowed tunnel domain/);
  });

  describe("with allowInsecure (development)", () => {
    const insecure = { allowlist: DEFAULT_TUNNEL_HOST_ALLOWLIST, allowInsecure: true };

    it("accepts http on loopback and LAN addresses, outside the allowlist", async () => {
      expect((await validateTunnelUrl("http://127.0.0.1:8000", insecure)).port).toBe("8000");
      expect((await validateTunnelUrl("http://[::1]:8000", insecure)).hostname).toBe("[::1]");
      expect((await validateTunnelUrl("http://localhost:8000", insecure)).hostname).toBe("localhost");
      const dns = fakeDns({ "devbox.lan": ["192.168.1.20"] });
      expect(
        (await validateTunnelUrl("http://devbox.lan:8000", { ...insecure, resolve: dns })).hostname,
      ).toBe("devbox.lan");
    });

    it("still refuses the metadata service and link-local addresses", async () => {
      expect(await refusal(validateTunnelUrl("http://169.254.169.254/latest/meta-data", insecure))).toMatch(
        /metadata/,
      );
      const dns = fakeDns({ "imds.example": ["fd00:ec2::254"] });
      expect(await refusal(validateTunnelUrl("http://imds.example", { ...insecure, resolve: dns }))).toMatch(
        /metadata/,
      );
      expect(await refusal(validateTunnelUrl("http://[fe80::1]", insecure))).toMatch(/link-local/);
    });

    it("still refuses credentials and hosts that do not resolve", async () => {
      expect(await refusal(validateTunnelUrl("http://a:b@127.0.0.1", insecure))).toMatch(/credentials/);
      expect(
        await refusal(validateTunnelUrl("http://nowhere.invalid", { ...insecure, resolve: fakeDns({}) })),
      ).toMatch(/does not resolve/);
    });
  });
});
