/**
 * The official MCP clients nobody here wrote — TypeScript SDK 1.x (the 2025 `initialize`
 * handshake), TypeScript SDK 2.x (stateless 2026-07-28 and a 2025-06-18 handshake) and Python
 * `mcp` (both eras) — against the Core directly and through a real Gateway, calling every tool
 * with valid and invalid arguments.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coreOperations } from "../../app/core/operations/index.js";
import type { CoreOperation } from "../../app/core/operations/operation.js";
import {
  pythonClient,
  sdkV1Legacy,
  sdkV2Legacy20250618,
  sdkV2Modern,
  type McpCall,
  type McpCallOutcome,
  type McpDriver,
  type McpSession,
} from "./support/mcp-drivers.js";
import { startMcpStack, type McpStack } from "./support/mcp-stack.js";
import { PYTHON_MCP_VERSION, pythonWithMcp } from "./support/python-mcp.js";

/**
 * Valid arguments for each tool over the project below. A new operation needs an entry here:
 * the test "has sample arguments for every tool" says which.
 */
const SAMPLE_ARGUMENTS: Record<string, Record<string, unknown>> = {
  list_structure: {},
  list_files: { path: "src" },
  file_info: { paths: ["src/app.ts"] },
  read_files: { file_paths: ["src/app.ts", "README.md"] },
  search: { q: "needle" },
};

const PROJECT = {
  "README.md": "# Demo\n\nA project served over MCP.\n",
  "src/app.ts": "export const needle = 42;\nexport const other = needle + 1;\n",
  "src/lib/util.ts": "// no match here\n",
  ".env": "SECRET=never-served-needle\n",
};

const UNKNOWN_ARGUMENT = "not_an_argument";
const ILL_TYPED = { ill: "typed" };

interface PlannedCall extends McpCall {
  /** `valid`, or the argument the refusal must name */
  expect: "valid" | { names: string };
}

/** For every tool: its sample arguments, the same plus an unknown one, and each argument ill-typed. */
function planFor(operations: readonly CoreOperation[]): PlannedCall[] {
  return operations.flatMap((operation): PlannedCall[] => {
    const sample = SAMPLE_ARGUMENTS[operation.name] ?? {};
    return [
      { tool: operation.name, arguments: sample, expect: "valid" },
      {
        tool: operation.name,
        arguments: { ...sample, [UNKNOWN_ARGUMENT]: 1 },
        expect: { names: UNKNOWN_ARGUMENT },
      },
      ...Object.keys(operation.input.shape).map((name): PlannedCall => ({
        tool: operation.name,
        arguments: { ...sample, [name]: ILL_TYPED },
        expect: { names: name },
      })),
    ];
  });
}

let stack: McpStack;
let python: string | undefined;

beforeAll(async () => {
  stack = await startMcpStack(PROJECT);
  python = await pythonWithMcp();
  if (python === undefined) {
    console.warn(
      `\n${"!".repeat(78)}\n!! SKIPPING the Python mcp client: this machine has no python3 with pip and venv.\n` +
        `!! Install them (apt-get install python3-pip python3-venv) to run it; CI must have them.\n${"!".repeat(78)}\n`,
    );
  }
}, 600_000);

afterAll(async () => {
  await stack?.close();
});

const pythonPath = () => python ?? "python-with-mcp-unavailable";
const DRIVERS: McpDriver[] = [
  sdkV1Legacy,
  sdkV2Modern,
  sdkV2Legacy20250618,
  pythonClient(pythonPath, "auto", "2026-07-28"),
  pythonClient(pythonPath, "legacy", "2025-11-25"),
];

const TARGETS = [
  { name: "the Core directly", url: () => stack.coreMcpUrl },
  { name: "a real Gateway", url: () => stack.gatewayMcpUrl },
];

/** What the operation itself answers for these arguments, in the Core the clients talk to. */
async function expectedResult(call: McpCall): Promise<unknown> {
  const operation = coreOperations.find((o) => o.name === call.tool)!;
  const value = await operation.run(
    { project: stack.core.core.project, limits: stack.config.limits },
    operation.input.parse(call.arguments) as never,
  );
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function expectToolError(outcome: McpCallOutcome | undefined, argument: string, label: string) {
  expect(outcome, label).toMatchObject({ is_error: true });
  expect((outcome as { text: string }).text, label).toContain(`"${argument}"`);
}

it("has sample arguments for every tool", () => {
  const missing = coreOperations.map((o) => o.name).filter((name) => !(name in SAMPLE_ARGUMENTS));
  expect(missing, "add valid arguments for these tools to SAMPLE_ARGUMENTS").toEqual([]);
});

describe.each(TARGETS)("MCP clients against $name", (target) => {
  it.for(DRIVERS.map((driver) => ({ driver, label: driver.name })))(
    "$label connects, lists every tool and calls each with valid and invalid arguments",
    { timeout: 120_000 },
    async ({ driver }, context) => {
      if (driver.name.startsWith("Python") && python === undefined) {
        context.skip(`no python3 with pip: the Python mcp ${PYTHON_MCP_VERSION} client was not run`);
      }
      const plan = planFor(coreOperations);
      const session: McpSession = await driver.run(
        target.url(),
        { "X-API-KEY": stack.key },
        plan.map(({ tool, arguments: args }) => ({ tool, arguments: args })),
      );

      expect(session.protocol_version).toBe(driver.revision);
      expect(session.capabilities).toEqual({ tools: { listChanged: false } });
      for (const operation of coreOperations) expect(session.instructions).toContain(operation.name);

      expect(session.tools.map((t) => t.name)).toEqual(coreOperations.map((o) => o.name));
      for (const tool of session.tools) {
        expect(tool.inputSchema, tool.name).toMatchObject({ type: "object", additionalProperties: false });
        expect(tool.outputSchema, tool.name).toMatchObject({ type: "object" });
        expect(tool.annotations, tool.name).toMatchObject({ readOnlyHint: true });
      }

      expect(session.results).toHaveLength(plan.length);
      for (const [i, call] of plan.entries()) {
        const outcome = session.results[i];
        const label = `${call.tool} ${JSON.stringify(call.arguments)}`;
        if (call.expect !== "valid") {
          expectToolError(outcome, call.expect.names, label);
          continue;
        }
        const expected = await expectedResult(call);
        expect(outcome, label).toMatchObject({ is_error: false, structured: expected });
        const text = (outcome as { text: string }).text;
        expect(JSON.parse(text), label).toEqual(expected);
        expect(text, `${label}: compact JSON`).toBe(JSON.stringify(JSON.parse(text)));
        expect(text.length, label).toBeLessThanOrEqual(stack.config.limits.maxResponseChars);
      }
    },
  );
});
