/**
 * Things a test needs from the machine (the real-data folder, a browser). Outside CI a missing one
 * skips the test with its reason, so a laptop without them still runs the rest. Under `CI=true`
 * nothing skips: a test whose requirement is missing fails with what is missing and how to get it,
 * so a CI run that silently tested less cannot pass (`.ci/run` installs or checks them first).
 */

export interface Requirement {
  isPresent: boolean;
  /** What is missing and how to get it, e.g. "/usr/bin/chromium is missing: apt-get install chromium". */
  missing: string;
}

/** `CI=true` (or `1`), as GitHub Actions, GitLab CI and `.ci/run` set it. */
export const isCi = /^(true|1)$/i.test(process.env.CI ?? '');

/** For `test(name, { skip })` / `describe(name, { skip })`: the reason outside CI, never under it. */
export function skipUnlessPresent(requirement: Requirement): false | string {
  return requirement.isPresent || isCi ? false : requirement.missing;
}

/** Throws the requirement's message when it is missing: the first line of a test (or its `before`) that needs it. */
export function assertPresent(requirement: Requirement): void {
  if (!requirement.isPresent) throw new Error(`${requirement.missing} (CI=true: a missing test dependency fails the run)`);
}
