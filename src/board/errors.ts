// Profile problems as values (ProfileIssue: a field path and what was wrong) and as one exception that
// names the file, so the CLI can print `boards/foo.json: tcp.mss: must be ...` and stop.

export interface ProfileIssue {
  /** Dotted field path ("tcp.mss"); "" for the document itself. */
  readonly path: string;
  readonly message: string;
}

export function formatIssue(file: string, issue: ProfileIssue): string {
  return issue.path === "" ? `${file}: ${issue.message}` : `${file}: ${issue.path}: ${issue.message}`;
}

export class ProfileError extends Error {
  override readonly name = "ProfileError";
  constructor(
    readonly file: string,
    readonly issues: readonly ProfileIssue[],
  ) {
    super(issues.map((issue) => formatIssue(file, issue)).join("\n"));
  }
}
