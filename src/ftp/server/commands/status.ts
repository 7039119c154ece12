// STAT and MLST: answers on the control connection. STAT without an argument reports the
// session (or the running transfer's progress); with a path it lists it like LIST does.
import { formatListLine, formatMlsxLine } from "../../protocol/index.js";
import type { Session } from "../session.js";
import { command, type CommandTable } from "./types.js";

async function stat(s: Session, arg: string): Promise<void> {
  const t = s.transfer;
  if (t && arg.trim() === "") {
    s.reply(213, `Status: ${t.kind} ${t.path}, ${t.run?.bytes ?? 0} bytes transferred`);
    return;
  }
  if (arg.trim() === "") {
    const r = s.control.remote;
    s.reply(211, [
      "hilftp status:",
      `Connected to ${r.address} port ${r.port}`,
      `Logged in as ${s.user}`,
      `TYPE: ${s.type === "I" ? "BINARY" : "ASCII"}, STRUcture: File, MODE: Stream`,
      s.data.configured ? "Data connection set up" : "No data connection",
      "End of status",
    ]);
    return;
  }
  const path = s.resolve(arg.trim());
  const info = await s.fileSystem.stat(path);
  const entries = info.type === "dir" ? await s.fileSystem.list(path) : [info];
  const now = new Date();
  s.reply(213, [`Status of ${path}:`, ...entries.map((e) => formatListLine(e, { style: s.texts.style, now })), "End of status"]);
}

async function mlst(s: Session, arg: string): Promise<void> {
  const path = s.resolve(arg.trim() === "" ? "." : arg.trim());
  const info = await s.fileSystem.stat(path);
  const facts = formatMlsxLine({ ...info, name: path }, { facts: s.mlstFacts });
  s.reply(250, [`Listing ${path}`, facts, "End"]);
}

export const STATUS: CommandTable = {
  STAT: command(stat),
  MLST: command(mlst),
};
