// The words the server answers with, per dialect. "rfc" follows RFC 959/2428/3659 and what
// lftp, curl and ftplib expect; "netx" reproduces NetX Duo's server reply for reply (codes,
// texts, the space before CRLF, 125/250 around transfers, MKD 200, 502 for what it lacks), so a
// host can stand in for a NetX board. Only texts live here: behaviour lives in the commands.
import type { Dialect } from "./options.js";

export type Reply = readonly [code: number, text: string];

/** Verbs the NetX Duo server implements; every other verb gets 502 in the netx dialect. */
const NETX_VERBS = new Set([
  "USER", "PASS", "QUIT", "TYPE", "MODE", "NOOP", "PWD", "CWD", "CDUP", "MKD", "XMKD", "RMD", "XRMD",
  "DELE", "RNFR", "RNTO", "PORT", "EPRT", "PASV", "EPSV", "RETR", "STOR", "LIST", "NLST",
]);

export interface Texts {
  readonly style: Dialect;
  /** False when the dialect answers this verb with 502 whatever it is. */
  implements(verb: string): boolean;
  greeting(text: string): Reply;
  notImplemented(): Reply;
  unknown(verb: string): Reply;
  notLoggedIn(): Reply;
  userOk(user: string, anonymous: boolean): Reply;
  loggedIn(user: string): Reply;
  loginFailed(): Reply;
  goodbye(): Reply;
  type(binary: boolean): Reply;
  badType(): Reply;
  mode(): Reply;
  badMode(): Reply;
  noop(): Reply;
  pwd(path: string): Reply;
  cwd(path: string): Reply;
  cwdFailed(): Reply;
  mkd(path: string): Reply;
  mkdFailed(): Reply;
  rmd(): Reply;
  rmdFailed(): Reply;
  dele(): Reply;
  deleFailed(): Reply;
  rnfr(): Reply;
  rnto(): Reply;
  rnfrFailed(): Reply;
  renameFailed(): Reply;
  readOnly(): Reply;
  portOk(extended: boolean): Reply;
  portFailed(extended: boolean): Reply;
  transferStart(kind: TransferKind, detail: string): Reply;
  transferDone(kind: TransferKind): Reply;
  binaryOnly(): Reply;
  openFailed(kind: TransferKind): Reply;
  listFailed(nlst: boolean): Reply;
}

export type TransferKind = "RETR" | "STOR" | "APPE" | "STOU" | "LIST" | "NLST" | "MLSD";

/** Paths in 257-style replies are quoted, with embedded quotes doubled (RFC 959 appendix II). */
export function quotePath(path: string): string {
  return `"${path.replace(/"/g, '""')}"`;
}

const rfc: Texts = {
  style: "rfc",
  implements: () => true,
  greeting: (text) => [220, text],
  notImplemented: () => [502, "Command not implemented"],
  unknown: (verb) => [500, `Unknown command ${verb.slice(0, 32)}`],
  notLoggedIn: () => [530, "Please login with USER and PASS"],
  userOk: (user, anonymous) =>
    anonymous ? [331, "Anonymous login ok, send your e-mail address as password"] : [331, `Password required for ${user}`],
  loggedIn: (user) => [230, `User ${user} logged in`],
  loginFailed: () => [530, "Login incorrect"],
  goodbye: () => [221, "Goodbye"],
  type: (binary) => [200, binary ? "Type set to I" : "Type set to A"],
  badType: () => [504, "Type not supported"],
  mode: () => [200, "Mode set to S"],
  badMode: () => [504, "Only stream mode is supported"],
  noop: () => [200, "NOOP ok"],
  pwd: (path) => [257, `${quotePath(path)} is the current directory`],
  cwd: (path) => [250, `Directory changed to ${path}`],
  cwdFailed: () => [550, "No such directory"],
  mkd: (path) => [257, `${quotePath(path)} created`],
  mkdFailed: () => [550, "Create directory failed"],
  rmd: () => [250, "Directory removed"],
  rmdFailed: () => [550, "Remove directory failed"],
  dele: () => [250, "File deleted"],
  deleFailed: () => [550, "Delete failed"],
  rnfr: () => [350, "Ready for RNTO"],
  rnto: () => [250, "Rename successful"],
  rnfrFailed: () => [550, "No such file or directory"],
  renameFailed: () => [550, "Rename failed"],
  readOnly: () => [550, "Permission denied (read-only session)"],
  portOk: (extended) => [200, extended ? "EPRT command successful" : "PORT command successful"],
  portFailed: () => [501, "Illegal PORT command"],
  transferStart: (kind, detail) => [150, kind === "LIST" || kind === "NLST" || kind === "MLSD" ? `Here comes the directory listing` : `Opening ${detail}`],
  transferDone: (kind) => [226, kind === "LIST" || kind === "NLST" || kind === "MLSD" ? "Directory send OK" : "Transfer complete"],
  binaryOnly: () => [504, "Type not supported"],
  openFailed: () => [550, "Failed to open file"],
  listFailed: () => [550, "No such directory"],
};

const netx: Texts = {
  style: "netx",
  implements: (verb) => NETX_VERBS.has(verb),
  greeting: () => [220, "Connection Ready"],
  notImplemented: () => [502, "Not Implemented"],
  unknown: () => [502, "Not Implemented"],
  notLoggedIn: () => [530, "Not logged in"],
  userOk: () => [331, "Enter password"],
  loggedIn: () => [230, "Logged in"],
  loginFailed: () => [530, "Login Fail"],
  goodbye: () => [221, "Logging Off"],
  type: (binary) => [200, binary ? "Type Binary" : "Type ASCII"],
  badType: () => [504, "Type Non ASCII or Binary"],
  mode: () => [200, "Mode Stream"],
  badMode: () => [504, "Mode Non Stream or Block"],
  noop: () => [200, "NOOP Success"],
  pwd: (path) => [257, `${quotePath(path)} is current Directory`],
  cwd: (path) => [250, `${quotePath(path)} set successfully`],
  cwdFailed: () => [550, "Change Dir Fail"],
  mkd: (path) => [200, `${quotePath(path)} Directory Created`],
  mkdFailed: () => [550, "Directory Create failed"],
  rmd: () => [250, "Directory Deleted"],
  rmdFailed: () => [550, "Delete Directory Fail"],
  dele: () => [250, "File Deleted"],
  deleFailed: () => [550, "Delete Failed"],
  rnfr: () => [350, "Rename File From"],
  rnto: () => [250, "File Renamed"],
  rnfrFailed: () => [550, "Rename File not found"],
  renameFailed: () => [550, "Rename failed"],
  readOnly: () => [532, "Need account for storing files"],
  portOk: (extended) => [200, extended ? "EPRT command set" : "Port set"],
  portFailed: (extended) => [501, extended ? "EPRT command failed" : "Port Fail"],
  transferStart: (kind) => [125, kind === "LIST" || kind === "NLST" ? "Sending List" : kind === "RETR" ? "File Opened" : "File Open for Write"],
  transferDone: (kind) => [250, kind === "LIST" || kind === "NLST" ? "List End" : kind === "RETR" ? "File Sent" : "File Written"],
  binaryOnly: () => [504, "Only Image transfer allowed"],
  openFailed: (kind) => [550, kind === "STOR" ? "File Open Failed" : "File Open Fail"],
  listFailed: (nlst) => [550, nlst ? "List bad Directory" : "Bad Directory"],
};

export function textsFor(dialect: Dialect): Texts {
  return dialect === "netx" ? netx : rfc;
}
