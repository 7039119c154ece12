// Commands on names: PWD, CWD, CDUP, MKD, RMD, DELE, RNFR/RNTO, SIZE, MDTM and their X-forms.
// Every argument goes through Session.resolve, so nothing can name a path above the root.
import { formatMdtm } from "../../protocol/index.js";
import { FsError } from "../../fs/types.js";
import type { Session } from "../session.js";
import { command, type CommandTable } from "./types.js";

function pwd(s: Session): void {
  s.reply(...s.texts.pwd(s.cwd));
}

async function cwd(s: Session, arg: string): Promise<void> {
  const path = s.resolve(arg);
  const info = await s.fileSystem.stat(path);
  if (info.type !== "dir") throw new FsError("ENOTDIR", `${path} is not a directory`);
  s.cwd = path;
  s.reply(...s.texts.cwd(path));
}

async function mkd(s: Session, arg: string): Promise<void> {
  const path = s.resolve(arg);
  await s.fileSystem.mkdir(path);
  s.reply(...s.texts.mkd(path));
}

async function rmd(s: Session, arg: string): Promise<void> {
  const path = s.resolve(arg);
  if (path === "/") throw new FsError("EACCES", "cannot remove the root");
  await s.fileSystem.rmdir(path);
  s.reply(...s.texts.rmd());
}

async function dele(s: Session, arg: string): Promise<void> {
  await s.fileSystem.delete(s.resolve(arg));
  s.reply(...s.texts.dele());
}

async function rnfr(s: Session, arg: string): Promise<void> {
  const path = s.resolve(arg);
  await s.fileSystem.stat(path);
  s.renameFrom = path;
  s.reply(...s.texts.rnfr());
}

async function rnto(s: Session, arg: string): Promise<void> {
  const from = s.renameFrom;
  s.renameFrom = undefined;
  if (from === undefined) {
    if (s.texts.style === "netx") s.reply(...s.texts.renameFailed());
    else s.reply(503, "Bad sequence of commands: RNFR first");
    return;
  }
  await s.fileSystem.rename(from, s.resolve(arg));
  s.reply(...s.texts.rnto());
}

async function size(s: Session, arg: string): Promise<void> {
  const info = await s.fileSystem.stat(s.resolve(arg));
  if (info.type !== "file") {
    s.reply(550, "Not a regular file");
    return;
  }
  s.reply(213, String(info.size));
}

async function mdtm(s: Session, arg: string): Promise<void> {
  const info = await s.fileSystem.stat(s.resolve(arg));
  s.reply(213, formatMdtm(info.mtime));
}

const cdup = (s: Session): Promise<void> => cwd(s, "..");
const writes = { writes: true, arg: "required" } as const;

export const PATHS: CommandTable = {
  PWD: command(pwd),
  XPWD: command(pwd),
  CWD: command(cwd, { arg: "required" }),
  XCWD: command(cwd, { arg: "required" }),
  CDUP: command(cdup),
  XCUP: command(cdup),
  MKD: command(mkd, writes),
  XMKD: command(mkd, writes),
  RMD: command(rmd, writes),
  XRMD: command(rmd, writes),
  DELE: command(dele, writes),
  RNFR: command(rnfr, writes),
  RNTO: command(rnto, writes),
  SIZE: command(size, { arg: "required" }),
  MDTM: command(mdtm, { arg: "required" }),
};
