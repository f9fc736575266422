import Table from "cli-table3";
import type { Output } from "./output.js";

/** A cli-table3 table that is plain (no colour codes) when the output has no colours. */
export function renderTable(out: Output, head: string[], rows: Array<Array<string | number>>): string {
  const table = new Table({
    head: head.map((h) => out.c.bold(h)),
    style: { head: [], border: out.color ? ["grey"] : [] },
  });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}
