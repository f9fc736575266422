/** Reads what the docs test needs out of Markdown: tested curl examples, make targets, links. */

export interface CurlExample {
  file: string;
  line: string;
  /** from a trailing `# → 401` comment; otherwise any 2xx */
  expectStatus?: number;
}

export interface CurlRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const FENCE = /^```/;

/** Every `curl` command in the first fenced block after each `<!-- tested ... -->` comment. */
export function testedCurlExamples(file: string, markdown: string): CurlExample[] {
  return testedCurlBlocks(file, markdown).flat();
}

/** The same, grouped by block: a block is a unit of state (e.g. revoke, then restore). */
export function testedCurlBlocks(file: string, markdown: string): CurlExample[][] {
  const lines = markdown.split("\n");
  const blocks: CurlExample[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^<!--\s*tested\b/.test(lines[i]!.trim())) continue;
    let j = i + 1;
    while (j < lines.length && !FENCE.test(lines[j]!.trim())) j++;
    const block: string[] = [];
    for (j++; j < lines.length && !FENCE.test(lines[j]!.trim()); j++) block.push(lines[j]!);
    const joined = block.join("\n").replace(/\\\n\s*/g, " ");
    const examples: CurlExample[] = [];
    for (const line of joined.split("\n")) {
      if (!/^\s*curl\s/.test(line)) continue;
      const expected = /#\s*→\s*(\d{3})\b/.exec(line);
      examples.push({ file, line: line.trim(), ...(expected ? { expectStatus: Number(expected[1]) } : {}) });
    }
    if (examples.length > 0) blocks.push(examples);
    i = j;
  }
  return blocks;
}

/** Splits a shell command line into words: quotes, `$VAR` / `${VAR}` expansion, `#` comments. */
export function shellWords(line: string, vars: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | null = null;
  const expand = (text: string) =>
    text.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (_m, name: string) => {
      if (!(name in vars)) throw new Error(`the example uses $${name}, which the docs test does not define`);
      return vars[name]!;
    });
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (ch === "#" && word === null) {
      break;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unclosed " in: ${line}`);
      word = (word ?? "") + expand(line.slice(i + 1, end));
      i = end;
    } else {
      let end = i;
      while (end < line.length && !/[\s'"]/.test(line[end]!)) end++;
      word = (word ?? "") + expand(line.slice(i, end));
      i = end - 1;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The request a `curl` command line would send (the options the docs use). */
export function curlToRequest(line: string, vars: Record<string, string>): CurlRequest {
  const words = shellWords(line, vars);
  if (words[0] !== "curl") throw new Error(`not a curl command: ${line}`);
  const request: CurlRequest = { method: "", url: "", headers: {} };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const value = () => {
      const v = words[++i];
      if (v === undefined) throw new Error(`${w} needs a value in: ${line}`);
      return v;
    };
    if (w === "-X" || w === "--request") request.method = value();
    else if (w === "-H" || w === "--header") {
      const h = value();
      const colon = h.indexOf(":");
      request.headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    } else if (w === "-d" || w === "--data" || w === "--data-raw") request.body = value();
    else if (w === "--json") {
      request.body = value();
      request.headers["content-type"] = "application/json";
      request.headers.accept = "application/json";
    } else if (/^-[sSfiLv]+$/.test(w) || w === "--silent" || w === "--show-error" || w === "--fail") continue;
    else if (w.startsWith("-")) throw new Error(`the docs test does not know curl option ${w}: ${line}`);
    else request.url = w;
  }
  request.method ||= request.body === undefined ? "GET" : "POST";
  if (!request.url) throw new Error(`no URL in: ${line}`);
  return request;
}

/** `make <target>` inside inline code or fenced code blocks. */
export function makeTargets(markdown: string): string[] {
  const code = [...markdown.matchAll(/```[\s\S]*?```|`[^`\n]+`/g)].map((m) => m[0]).join("\n");
  return [...new Set([...code.matchAll(/\bmake ([a-z][a-z0-9-]*)/g)].map((m) => m[1]!))];
}

/** Relative link targets (no scheme, not a bare #anchor), without their #fragment. */
export function relativeLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, "");
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("#"))
    .map((target) => target.split("#")[0]!);
}
