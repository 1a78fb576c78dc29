/** The CLI's exit codes; scripts depend on them. */
export const EXIT = {
  /** Every task completed. */
  OK: 0,
  /** Internal error (a bug): the message and a hint to report it. */
  INTERNAL: 1,
  /** Bad input or usage: a one-line message, no stack trace. */
  USAGE: 2,
  /** Finished, output written, but some tasks need review or failed. */
  REVIEW: 3,
} as const;
