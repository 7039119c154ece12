// Virtual path helpers shared by the server (CWD, arguments) and the file systems: every
// FTP path becomes one normalised, "/"-rooted form before it touches a FileSystem, so
// ".." can never climb above the served root (it is clamped there, like a chroot).
import { FsError } from "./types.js";

/**
 * Resolves an FTP path argument against the session's virtual working directory.
 *
 * Only "/" separates names. A backslash is kept as an ordinary name character: NetX/FileX
 * clients may send "\", but translating it is the dialect's job, and on POSIX hosts a
 * backslash is a legal file-name byte. "." and empty segments are dropped, ".." pops one
 * name and stops at "/". The result starts with "/" and has no trailing "/" (except "/").
 * Throws FsError("EINVAL") for NUL, CR or LF, which no FTP path can carry safely.
 */
export function resolvePath(cwd: string, arg: string): string {
  rejectControl(arg);
  const names: string[] = [];
  if (!arg.startsWith("/")) {
    rejectControl(cwd);
    push(names, cwd);
  }
  push(names, arg);
  return names.length === 0 ? "/" : "/" + names.join("/");
}

/** The last name of a normalised path; "/" for the root (as FileInfo.name of stat("/")). */
export function baseName(p: string): string {
  const n = resolvePath("/", p);
  return n === "/" ? "/" : n.slice(n.lastIndexOf("/") + 1);
}

/** The parent of a normalised path; the parent of "/" is "/". */
export function dirName(p: string): string {
  const n = resolvePath("/", p);
  const cut = n.lastIndexOf("/");
  return cut <= 0 ? "/" : n.slice(0, cut);
}

/**
 * The child `name` of directory `dir`. `name` must be one entry name (as from a listing):
 * "/", "." and ".." in it are refused with EINVAL rather than silently re-resolved.
 */
export function joinPath(dir: string, name: string): string {
  if (name === "" || name === "." || name === ".." || name.includes("/")) {
    throw new FsError("EINVAL", `invalid file name: ${JSON.stringify(name)}`);
  }
  rejectControl(name);
  const d = resolvePath("/", dir);
  return d === "/" ? "/" + name : d + "/" + name;
}

/**
 * The order of listings: by UTF-16 code unit, not locale, so it is the same on every host
 * and for every FileSystem implementation.
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function push(names: string[], p: string): void {
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") names.pop();
    else names.push(seg);
  }
}

function rejectControl(s: string): void {
  if (/[\0\r\n]/.test(s)) {
    throw new FsError("EINVAL", "path contains NUL, CR or LF");
  }
}
