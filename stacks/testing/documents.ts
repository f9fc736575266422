import type { RecordedResource } from "./run-stack.js";

/** Helpers that read IAM-style JSON documents out of recorded resource inputs. */

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export function statements(resource: RecordedResource, field = "policy"): Statement[] {
  const raw = resource.inputs[field];
  if (typeof raw !== "string") throw new Error(`${resource.type} ${resource.name} has no ${field} document`);
  return (JSON.parse(raw) as { Statement: Statement[] }).Statement;
}

export function bySid(all: Statement[], sid: string): Statement {
  const found = all.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${all.map((s) => s.Sid).join(", ")}`);
  return found;
}

export const principals = (s: Statement): string[] =>
  s.Principal === "*" ? ["*"] : [...list(s.Principal?.AWS), ...list(s.Principal?.Service)];
export const actions = (s: Statement): string[] => list(s.Action);
