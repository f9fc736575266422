import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import type { z } from "zod";

/** An issue without a path: the SDK would prefix a bare `a.b: `; the messages here name the argument themselves. */
type Issue = { message: string };

/**
 * An operation's strict zod `input` as the tool's argument schema, with refusals a model can act
 * on: an unknown argument is named together with the arguments the tool accepts (a model that
 * guessed `offset` learns the real names in one round), an ill-typed one is named with what was
 * expected. The JSON Schema advertised in `tools/list` is zod's own.
 */
export function toolArguments<I extends z.ZodObject>(
  input: I,
): StandardSchemaWithJSON<z.input<I>, z.output<I>> {
  const accepted = Object.keys(input.shape);
  const zodStandard = input["~standard"];
  return {
    "~standard": {
      version: 1,
      vendor: "codequery",
      jsonSchema: zodStandard.jsonSchema,
      validate: (value: unknown) => {
        const parsed = input.safeParse(value ?? {});
        if (parsed.success) return { value: parsed.data };
        return { issues: parsed.error.issues.map((issue): Issue => describeIssue(issue, accepted)) };
      },
    },
  };
}

function describeIssue(issue: z.core.$ZodIssue, accepted: string[]): Issue {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys" && path === "") {
    const unknown = issue.keys.map((key) => `"${key}"`).join(", ");
    const known = accepted.length > 0 ? accepted.join(", ") : "none";
    return {
      message: `unknown argument${issue.keys.length > 1 ? "s" : ""} ${unknown} (accepted arguments: ${known})`,
    };
  }
  return { message: path === "" ? issue.message : `argument "${path}": ${issue.message}` };
}
