// The shape of a command handler and its guards, checked by the session before it runs.
import type { Session } from "../session.js";

export interface CommandDef {
  /** Needs a logged-in session (rfc dialect; netx needs login for everything but USER/PASS). */
  readonly auth: boolean;
  readonly arg: "required" | "optional";
  /** Changes the file system: refused for read-only sessions. */
  readonly writes: boolean;
  run(session: Session, arg: string): void | Promise<void>;
}

export type CommandTable = Readonly<Record<string, CommandDef>>;

export function command(
  run: CommandDef["run"],
  flags: { auth?: boolean; arg?: "required" | "optional"; writes?: boolean } = {},
): CommandDef {
  return { auth: flags.auth ?? true, arg: flags.arg ?? "optional", writes: flags.writes ?? false, run };
}
