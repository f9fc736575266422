/** Tags every taggable resource carries (also set as provider default tags, so nothing is missed). */
export interface StackTags {
  project: string;
  environment: string;
  owner: string;
}

/** The stack tags plus a `Name` (what the console shows) and any extra tags. */
export function tagsFor(
  tags: StackTags,
  name: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...tags, Name: name, ...extra };
}
