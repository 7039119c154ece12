// Turns what a command threw into the reply the client gets. File-system errors keep their
// meaning (550 for what is not there or not allowed, 553 for a name that cannot be, 552 for a
// full disk); anything unexpected is a 451 and is reported as a server error event.
import { FsError } from "../fs/types.js";
import type { Reply, Texts } from "./dialect.js";

export function replyForError(err: unknown, verb: string, texts: Texts): Reply {
  if (err instanceof FsError) {
    switch (err.code) {
      case "EINVAL":
        return [553, "File name not allowed"];
      case "ENOSPC":
        return [552, "Insufficient storage space"];
      case "EIO":
        return [451, `Local error: ${err.message}`];
      default:
        return failureFor(verb, texts) ?? [550, describe(err)];
    }
  }
  return [451, `Local error in processing ${verb}`];
}

function describe(err: FsError): string {
  switch (err.code) {
    case "ENOENT":
      return "No such file or directory";
    case "EEXIST":
      return "File exists";
    case "ENOTDIR":
      return "Not a directory";
    case "EISDIR":
      return "Is a directory";
    case "ENOTEMPTY":
      return "Directory not empty";
    case "EACCES":
      return "Permission denied";
    default:
      return err.message;
  }
}

/** The NetX dialect has one fixed failure text per command; rfc explains the cause instead. */
function failureFor(verb: string, texts: Texts): Reply | undefined {
  if (texts.style !== "netx") return undefined;
  switch (verb) {
    case "CWD":
    case "CDUP":
      return texts.cwdFailed();
    case "MKD":
    case "XMKD":
      return texts.mkdFailed();
    case "RMD":
    case "XRMD":
      return texts.rmdFailed();
    case "DELE":
      return texts.deleFailed();
    case "RNFR":
      return texts.rnfrFailed();
    case "RNTO":
      return texts.renameFailed();
    case "RETR":
      return texts.openFailed("RETR");
    case "STOR":
      return texts.openFailed("STOR");
    case "LIST":
      return texts.listFailed(false);
    case "NLST":
      return texts.listFailed(true);
    default:
      return undefined;
  }
}
