// USER, PASS, ACCT, QUIT: who the client is, and leaving. Failed logins are delayed and
// counted; too many end the session with 421, so guessing passwords costs real time.
import type { Session } from "../session.js";
import { command, type CommandTable } from "./types.js";

const ANONYMOUS = new Set(["anonymous", "ftp"]);

async function pass(s: Session, password: string): Promise<void> {
  const user = s.pendingUser;
  if (user === undefined && s.texts.style !== "netx") {
    s.reply(503, "Login with USER first");
    return;
  }
  const name = user ?? "";
  const remote = s.control.remote;
  const grant = await s.server.authenticate({ user: name, password, address: remote.address, port: remote.port });
  if (s.closed) return;
  if (!grant) {
    s.loginFailures++;
    // After a 530 the client starts again with USER, as vsftpd and pyftpdlib require.
    s.pendingUser = undefined;
    s.server.emit("login-failed", { id: s.id, user: name, remote });
    const delay = s.server.options.loginFailDelayMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (s.closed) return;
    if (s.loginFailures >= s.server.options.maxLoginFailures) {
      s.shutdown("Too many failed logins");
      return;
    }
    s.reply(...s.texts.loginFailed());
    return;
  }
  s.pendingUser = undefined;
  s.user = name;
  s.fs = grant.fs;
  s.readOnly = grant.readOnly;
  s.cwd = "/";
  s.type = "A";
  s.loggedIn = true;
  s.server.emit("login", { id: s.id, user: name, remote });
  s.reply(...s.texts.loggedIn(name));
}

function quit(s: Session): void {
  const t = s.transfer;
  if (t) {
    t.aborting = true;
    t.run?.abort();
  }
  s.reply(...s.texts.goodbye());
  s.close();
}

export const ACCESS: CommandTable = {
  USER: command(
    (s, arg) => {
      // NetX keeps 19 characters of a user name.
      const user = s.texts.style === "netx" ? arg.slice(0, 19) : arg;
      s.pendingUser = user;
      s.reply(...s.texts.userOk(user, ANONYMOUS.has(user.toLowerCase())));
    },
    { auth: false, arg: "required" },
  ),
  PASS: command(pass, { auth: false }),
  ACCT: command((s) => s.reply(502, "ACCT not needed"), { auth: false }),
  QUIT: command(quit, { auth: false }),
};

export function isAnonymousUser(user: string): boolean {
  return ANONYMOUS.has(user.toLowerCase());
}
