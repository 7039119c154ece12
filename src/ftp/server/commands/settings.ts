// Session settings and self-description: TYPE, MODE, STRU, NOOP, SYST, FEAT, OPTS, HELP, ALLO.
import { MLST_FACTS } from "../../protocol/index.js";
import type { Session } from "../session.js";
import { command, type CommandTable } from "./types.js";

function type(s: Session, arg: string): void {
  if (s.texts.style === "netx") {
    // NetX looks at the first character only, case-sensitively.
    const c = arg.trimStart()[0];
    if (c === "I" || c === "A") {
      s.type = c;
      s.reply(...s.texts.type(c === "I"));
    } else s.reply(...s.texts.badType());
    return;
  }
  const words = arg.trim().toUpperCase().split(/\s+/);
  const [t, form] = words;
  if (t === "I" || (t === "L" && form === "8")) {
    s.type = "I";
    s.reply(...s.texts.type(true));
  } else if (t === "A" && (form === undefined || form === "N")) {
    s.type = "A";
    s.reply(...s.texts.type(false));
  } else {
    s.reply(...s.texts.badType());
  }
}

function mode(s: Session, arg: string): void {
  if (arg.trim().toUpperCase() === "S") s.reply(...s.texts.mode());
  else s.reply(...s.texts.badMode());
}

function stru(s: Session, arg: string): void {
  if (arg.trim().toUpperCase() === "F") s.reply(200, "Structure set to F");
  else s.reply(504, "Only file structure is supported");
}

export const FEATURES = [
  "EPRT",
  "EPSV",
  "MDTM",
  `MLST ${MLST_FACTS.map((f) => `${f}*;`).join("")}`,
  "PASV",
  "REST STREAM",
  "SIZE",
  "TVFS",
  "UTF8",
];

function feat(s: Session): void {
  const selected = new Set(s.mlstFacts);
  const lines = FEATURES.map((f) =>
    f.startsWith("MLST ") ? `MLST ${MLST_FACTS.map((x) => `${x}${selected.has(x) ? "*" : ""};`).join("")}` : f,
  );
  s.reply(211, ["Features:", ...lines, "End"]);
}

function opts(s: Session, arg: string): void {
  const [name = "", ...rest] = arg.trim().split(/\s+/);
  const value = rest.join(" ");
  switch (name.toUpperCase()) {
    case "UTF8":
    case "UTF-8":
      // Names are always UTF-8 here (RFC 2640); both answers keep clients happy.
      s.reply(200, value.toUpperCase() === "OFF" ? "UTF8 mode stays on" : "UTF8 mode enabled");
      return;
    case "MLST": {
      const wanted = value
        .split(";")
        .map((f) => f.trim().toLowerCase())
        .filter((f) => MLST_FACTS.includes(f));
      s.mlstFacts = wanted;
      s.reply(200, `MLST OPTS ${wanted.map((f) => `${f};`).join("")}`);
      return;
    }
    default:
      s.reply(501, `Option not understood: ${name.slice(0, 32)}`);
  }
}

async function help(s: Session, arg: string): Promise<void> {
  const { COMMANDS } = await import("./index.js");
  const verb = arg.trim().toUpperCase();
  if (verb) {
    if (COMMANDS.has(verb)) s.reply(214, `${verb} is supported`);
    else s.reply(502, `Unknown command ${verb.slice(0, 32)}`);
    return;
  }
  const verbs = [...COMMANDS.keys()].sort();
  const rows: string[] = [];
  for (let i = 0; i < verbs.length; i += 8) rows.push(verbs.slice(i, i + 8).map((v) => v.padEnd(5)).join(" "));
  s.reply(214, ["The following commands are recognized:", ...rows, "Help OK"]);
}

export const SETTINGS: CommandTable = {
  TYPE: command(type, { arg: "required" }),
  MODE: command(mode, { arg: "required" }),
  STRU: command(stru, { arg: "required" }),
  NOOP: command((s) => s.reply(...s.texts.noop()), { auth: false }),
  SYST: command((s) => s.reply(215, "UNIX Type: L8"), { auth: false }),
  FEAT: command(feat, { auth: false }),
  OPTS: command(opts, { auth: false, arg: "required" }),
  HELP: command(help, { auth: false }),
  ALLO: command((s) => s.reply(202, "ALLO not needed"), {}),
};
