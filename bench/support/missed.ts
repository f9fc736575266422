/**
 * What a benchmark prints under its table when a target was missed: what MISSED means and where
 * the targets, the last known figures and the reasons they fall short are written down.
 */
export function missedExplanation(docLink: string): string {
  return (
    "MISSED means a ratio to its baseline, measured in this same run (so a busy machine shifts both\n" +
    "sides), is past its target. A benchmark reports; it does not fail the build (run again when the\n" +
    `machine is quiet). The targets, the last known figures and why any fall short: ${docLink}`
  );
}
