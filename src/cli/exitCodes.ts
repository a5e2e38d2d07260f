/** Exit codes are a contract: pipelines gate on them. Documented in the README ("Exit codes"). */
export const ExitCode = {
  /** Done; for `evaluate`: no unsafe drift. */
  ok: 0,
  /** Unexpected failure inside driftwarden (a bug, or a lost connection): retry or report it. */
  internalError: 1,
  /** The command line is wrong (unknown command or flag, missing argument). */
  usage: 2,
  /** An input file is missing, unreadable, or not valid (bad JSON, schema violation, wrong resource). */
  invalidInput: 3,
  /** `evaluate` found drift that the policy says is unsafe. */
  unsafeDrift: 4,
  /** `events` parsed the delivery but some events in it were malformed (the rest are in the output). */
  partialInput: 5,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
