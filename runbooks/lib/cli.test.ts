import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseCli, RunbookError, type CliSpec } from "./cli.js";
import { colorEnabled } from "./output.js";
import { loadStackOutputs, requireSetting, resolveSettings } from "./settings.js";

const spec: CliSpec = {
  name: "demo",
  summary: "demo",
  options: { at: { type: "string", description: "time" }, force: { type: "boolean", description: "force" } },
};

describe("runbook command line", () => {
  it("parses the common options and the runbook's own", () => {
    const parsed = parseCli(spec, ["--env", "prod", "--dry-run", "--at", "2026-01-01T00:00:00Z", "--force"]);
    expect(parsed).toMatchObject({
      env: "prod",
      dryRun: true,
      yes: false,
      options: { at: "2026-01-01T00:00:00Z", force: true },
    });
    expect(parseCli(spec, ["-y"]).yes).toBe(true);
    expect(parseCli(spec, []).env).toBe("dev");
  });

  it("refuses unknown options, stray arguments, missing and repeated values", () => {
    expect(() => parseCli(spec, ["--frob"])).toThrow(/unknown option --frob/);
    expect(() => parseCli(spec, ["extra"])).toThrow(/unexpected argument "extra"/);
    expect(() => parseCli(spec, ["--at"])).toThrow(/--at needs a value/);
    expect(() => parseCli(spec, ["--at", "a", "--at", "b"])).toThrow(/--at needs exactly one value/);
    expect(() => parseCli(spec, ["--env", "../prod"])).toThrow(RunbookError);
  });

  it("says each command-line mistake in one line, in its own words", () => {
    const mistake = (args: string[]) => {
      try {
        parseCli(spec, args);
      } catch (err) {
        return (err as Error).message;
      }
      return "accepted";
    };
    expect(mistake(["--frob=1"])).toBe("unknown option --frob (see --help)");
    expect(mistake(["-z"])).toBe("unknown option -z (see --help)");
    expect(mistake(["--at", "--force"])).toBe("--at needs a value (see --help)");
    expect(mistake(["--at="])).toBe("--at needs a value (see --help)");
    expect(mistake(["--force=yes"])).toBe("--force takes no value (see --help)");
    expect(mistake(["--at=2026-01-01T00:00:00Z", "--at", "2026-01-02T00:00:00Z"])).toBe(
      "--at needs exactly one value (see --help)",
    );
  });

  it("takes a value given with = and a value that starts with a dash when given with =", () => {
    expect(parseCli(spec, ["--at=2026-01-01T00:00:00Z"]).options.at).toBe("2026-01-01T00:00:00Z");
    expect(parseCli(spec, ["--at=-1"]).options.at).toBe("-1");
    expect(parseCli(spec, ["-h"]).help).toBe(true);
  });

  it("colours only on a terminal and never with NO_COLOR", () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    expect(colorEnabled({}, tty)).toBe(true);
    expect(colorEnabled({ NO_COLOR: "1" }, tty)).toBe(false);
    expect(colorEnabled({}, pipe)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: "1" }, pipe)).toBe(true);
  });
});

describe("runbook settings", () => {
  const sources = {
    bucket: { flag: "bucket", env: ["S3_BUCKET"], output: "stateBucketName" },
    region: { env: ["AWS_REGION"] },
  };

  it("takes flags over environment over stack outputs, and reads the outputs only when needed", async () => {
    let reads = 0;
    const outputs = async () => {
      reads++;
      return { stateBucketName: "from-stack" };
    };
    const base = { env: "prod", outputs };
    expect(
      (
        await resolveSettings(sources, {
          ...base,
          options: { bucket: "from-flag" },
          environment: { S3_BUCKET: "from-env" },
        })
      ).bucket,
    ).toBe("from-flag");
    expect(
      (await resolveSettings(sources, { ...base, options: {}, environment: { S3_BUCKET: "from-env" } }))
        .bucket,
    ).toBe("from-env");
    expect(reads).toBe(0);
    expect(
      (await resolveSettings(sources, { ...base, options: {}, environment: { S3_BUCKET: "" } })).bucket,
    ).toBe("from-stack");
    expect(reads).toBe(1);
  });

  it("names every place a missing setting could come from", () => {
    expect(() => requireSetting(undefined, "the state bucket", sources.bucket)).toThrow(
      "the state bucket is not set: give --bucket or S3_BUCKET or stack output stateBucketName",
    );
  });

  describe("stack outputs", () => {
    const savedPath = process.env.PATH;
    let dir: string | undefined;
    afterEach(() => {
      process.env.PATH = savedPath;
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const fakePulumi = (script: string) => {
      // A stand-in for the Pulumi CLI (an external program), answering like `pulumi stack output --json`.
      dir = mkdtempSync(join(tmpdir(), "cq-pulumi-"));
      writeFileSync(join(dir, "pulumi"), `#!/bin/sh\n${script}\n`);
      chmodSync(join(dir, "pulumi"), 0o755);
      process.env.PATH = `${dir}${delimiter}${savedPath}`;
    };

    it("reads `pulumi stack output --json --stack <env>`", async () => {
      fakePulumi(
        `[ "$*" = "stack output --json --stack staging" ] && echo '{"stateBucketName":"cq-staging-state"}' || exit 3`,
      );
      expect(await loadStackOutputs("staging")).toEqual({ stateBucketName: "cq-staging-state" });
    });

    it("says which stack it could not read", async () => {
      fakePulumi(`echo "error: no stack named 'nope' found" >&2; exit 255`);
      await expect(loadStackOutputs("nope")).rejects.toThrow(
        /could not read the outputs of stack "nope": error: no stack named 'nope' found/,
      );
    });
  });
});
