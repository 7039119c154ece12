// Data-connection setup: PORT/EPRT (active) and PASV/EPSV (passive). Active targets must be
// the control peer itself on an unprivileged port (RFC 2577: no FTP bounce); passive
// listeners accept only the control peer (DataChannel enforces that).
import { formatEpsvText, formatPasvText, parseEprtArg, parsePortArg } from "../../protocol/index.js";
import type { Session } from "../session.js";
import { command, type CommandTable } from "./types.js";

function refuseAfterEpsvAll(s: Session): boolean {
  if (!s.epsvAll) return false;
  s.reply(503, "EPSV ALL in effect: only EPSV is accepted");
  return true;
}

/** lftp sends EPRT |2|::|port| when its socket is bound to the wildcard: that means "me". */
const UNSPECIFIED = new Set(["::", "0.0.0.0"]);

/** The shared RFC 2577 checks; replies and returns false when the target is refused. */
function acceptTarget(s: Session, host: string, port: number, extended: boolean): boolean {
  const peer = s.control.remote.address;
  if (host !== peer && !UNSPECIFIED.has(host)) {
    if (s.texts.style === "netx") s.reply(...s.texts.portFailed(extended));
    else s.reply(501, `Rejected data connection to foreign address ${host}`);
    return false;
  }
  if (port < 1024) {
    if (s.texts.style === "netx") s.reply(...s.texts.portFailed(extended));
    else s.reply(501, `Rejected data connection to privileged port ${port}`);
    return false;
  }
  return true;
}

function port(s: Session, arg: string): void {
  if (refuseAfterEpsvAll(s)) return;
  if (s.control.remote.family === 6) {
    if (s.texts.style === "netx") s.reply(502, "PORT illegal in IPv6");
    else s.reply(522, "Network protocol not supported, use (2)");
    return;
  }
  const target = parsePortArg(arg);
  if (!target) {
    s.reply(...s.texts.portFailed(false));
    return;
  }
  if (!acceptTarget(s, target.host, target.port, false)) return;
  s.data.setActive(s.control.remote.address, target.port);
  s.reply(...s.texts.portOk(false));
}

function eprt(s: Session, arg: string): void {
  if (refuseAfterEpsvAll(s)) return;
  const family = s.control.remote.family;
  if (s.texts.style === "netx" && family === 4) {
    s.reply(502, "EPRT illegal in IPv4");
    return;
  }
  const target = parseEprtArg(arg);
  if (!target) {
    s.reply(...s.texts.portFailed(true));
    return;
  }
  if (target.family !== family) {
    s.reply(522, `Network protocol not supported, use (${family === 4 ? 1 : 2})`);
    return;
  }
  if (!acceptTarget(s, target.host, target.port, true)) return;
  s.data.setActive(s.control.remote.address, target.port);
  s.reply(...s.texts.portOk(true));
}

async function pasv(s: Session): Promise<void> {
  if (refuseAfterEpsvAll(s)) return;
  if (s.control.local.family === 6) {
    if (s.texts.style === "netx") s.reply(501, "PASV Fail");
    else s.reply(522, "PASV is IPv4 only, use EPSV");
    return;
  }
  let port: number;
  try {
    port = await s.data.listenPassive();
  } catch {
    if (s.texts.style === "netx") s.reply(501, "PASV Fail");
    else s.reply(425, "Cannot open passive connection");
    return;
  }
  const host = s.server.options.pasvAddress ?? s.control.local.address;
  s.reply(227, formatPasvText({ host, port }));
}

async function epsv(s: Session, arg: string): Promise<void> {
  const want = arg.trim().toUpperCase();
  if (want === "ALL") {
    s.epsvAll = true;
    s.reply(200, "EPSV ALL ok");
    return;
  }
  const family = s.control.local.family;
  if (s.texts.style !== "netx" && want !== "" && want !== String(family === 4 ? 1 : 2)) {
    s.reply(522, `Network protocol not supported, use (${family === 4 ? 1 : 2})`);
    return;
  }
  let port: number;
  try {
    port = await s.data.listenPassive();
  } catch {
    if (s.texts.style === "netx") s.reply(501, "EPSV Fail");
    else s.reply(425, "Cannot open passive connection");
    return;
  }
  s.reply(229, formatEpsvText(port));
}

export const DATA: CommandTable = {
  PORT: command(port, { arg: "required" }),
  EPRT: command(eprt, { arg: "required" }),
  PASV: command(pasv),
  EPSV: command(epsv),
};
