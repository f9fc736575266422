import semver from "semver";

/** One commit read from `git log`, parsed as a Conventional Commit (https://www.conventionalcommits.org). */
export interface ParsedCommit {
  hash: string;
  type: string;
  scope: string | null;
  subject: string;
  breaking: boolean;
}

export type ReleaseType = "major" | "minor" | "patch";

const HEADER = /^(?<type>[a-zA-Z]+)(?:\((?<scope>[^)]*)\))?(?<bang>!)?: (?<subject>.+)$/;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE: /m;

/** null for a commit that does not follow the convention (it is left out of the changelog). */
export function parseCommit(hash: string, message: string): ParsedCommit | null {
  const [header = "", ...rest] = message.split("\n");
  const match = HEADER.exec(header.trim());
  if (!match?.groups) return null;
  const body = rest.join("\n");
  return {
    hash,
    type: match.groups.type!.toLowerCase(),
    scope: match.groups.scope?.trim() || null,
    subject: match.groups.subject!.trim(),
    breaking: match.groups.bang === "!" || BREAKING_FOOTER.test(body),
  };
}

/** feat → minor, fix/perf → patch, `!` or BREAKING CHANGE → major; anything else releases nothing. */
export function releaseTypeOf(commits: ParsedCommit[]): ReleaseType | null {
  if (commits.some((c) => c.breaking)) return "major";
  if (commits.some((c) => c.type === "feat")) return "minor";
  if (commits.some((c) => c.type === "fix" || c.type === "perf")) return "patch";
  return null;
}

export function nextVersion(current: string, type: ReleaseType): string {
  const next = semver.inc(current, type);
  if (!next) throw new Error(`"${current}" is not a semantic version`);
  return next;
}

const SECTIONS: Array<{ title: string; pick: (c: ParsedCommit) => boolean }> = [
  { title: "⚠ Breaking changes", pick: (c) => c.breaking },
  { title: "Features", pick: (c) => c.type === "feat" },
  { title: "Bug fixes", pick: (c) => c.type === "fix" },
  { title: "Performance", pick: (c) => c.type === "perf" },
  { title: "Security", pick: (c) => c.type === "security" },
  { title: "Documentation", pick: (c) => c.type === "docs" },
];

/** The CHANGELOG.md section for one release, grouped by kind of change, newest commit first. */
export function renderChangelogSection(version: string, date: string, commits: ParsedCommit[]): string {
  const lines = [`## v${version} (${date})`, ""];
  for (const section of SECTIONS) {
    const picked = commits.filter(section.pick);
    if (picked.length === 0) continue;
    lines.push(`### ${section.title}`, "");
    for (const c of picked)
      lines.push(`- ${c.scope ? `**${c.scope}:** ` : ""}${c.subject} (${c.hash.slice(0, 7)})`);
    lines.push("");
  }
  return lines.join("\n");
}

const TITLE = "# Changelog";

/** Puts `section` on top of the existing changelog (under its title), creating it when empty. */
export function prependChangelog(existing: string, section: string): string {
  const body = existing.startsWith(TITLE) ? existing.slice(TITLE.length).replace(/^\n+/, "") : existing;
  return `${TITLE}\n\n${section}\n${body}`.replace(/\n{3,}/g, "\n\n").replace(/\n*$/, "\n");
}
