// Commands that use the data connection: RETR, STOR, APPE, STOU, LIST, NLST, MLSD, plus REST
// and ABOR. The file is opened before the 150 (so a missing file is a plain 550), the 150 goes
// out before waiting for the data connection (clients wait for it), and the final reply is
// sent only after the data connection has closed.
import { Readable } from "node:stream";
import type { Connection } from "../../../network.js";
import { formatListLine, formatMlsxLine } from "../../protocol/index.js";
import { fromNetworkAscii, toNetworkAscii } from "../../protocol/ascii.js";
import { baseName } from "../../fs/path.js";
import { FsError, type FileInfo } from "../../fs/types.js";
import type { TransferKind } from "../dialect.js";
import type { ActiveTransfer, Session } from "../session.js";
import { receiveFrom, sendTo, type Transfer, type TransferOutcome } from "../transfer.js";
import { command, type CommandTable } from "./types.js";

/**
 * Runs one transfer end to end: 150, data connection, bytes, close, final reply. `release`
 * undoes what was opened for it (file streams) when the data connection never comes.
 */
async function runTransfer(
  s: Session,
  kind: TransferKind,
  path: string,
  detail: string,
  start: (c: Connection) => Transfer,
  release: () => void,
): Promise<void> {
  let finish: () => void = () => undefined;
  const active: ActiveTransfer = {
    kind,
    path,
    startedAt: Date.now(),
    run: undefined,
    aborting: false,
    finished: new Promise<void>((r) => (finish = r)),
  };
  s.transfer = active;
  try {
    s.reply(...s.texts.transferStart(kind, detail));
    let connection: Connection;
    try {
      connection = await s.data.take(s.server.options.dataTimeoutMs);
    } catch {
      release();
      if (!active.aborting) {
        if (s.texts.style === "netx") s.reply(...s.texts.openFailed(kind));
        else s.reply(425, "Cannot open data connection");
      }
      return;
    }
    if (active.aborting || s.closed) {
      connection.stream.destroy();
      release();
      return;
    }
    active.run = start(connection);
    s.server.emit("transfer-start", { id: s.id, kind, path });
    const outcome = await active.run.done;
    s.server.emit("transfer-end", {
      id: s.id,
      kind,
      path,
      bytes: outcome.bytes,
      durationMs: Date.now() - active.startedAt,
      ok: outcome.status === "ok",
      ...(outcome.status === "ok" ? {} : { failure: outcome.status === "aborted" ? "aborted" : outcome.side }),
    });
    if (!active.aborting) finalReply(s, kind, outcome);
  } finally {
    s.transfer = undefined;
    finish();
  }
}

function finalReply(s: Session, kind: TransferKind, outcome: TransferOutcome): void {
  switch (outcome.status) {
    case "ok":
      s.reply(...s.texts.transferDone(kind));
      return;
    case "aborted":
      s.reply(426, "Transfer aborted");
      return;
    case "failed":
      if (outcome.side === "file") {
        const full = outcome.error instanceof FsError && outcome.error.code === "ENOSPC";
        if (s.texts.style === "netx") s.reply(550, kind === "RETR" ? "Read Fail" : "File Write Failed");
        else if (full) s.reply(552, "Insufficient storage space");
        else s.reply(451, "Local error: transfer failed");
      } else if (outcome.side === "stall") {
        s.reply(426, "Data connection stalled, transfer aborted");
      } else {
        s.reply(426, "Connection closed; transfer aborted");
      }
  }
}

/** A transfer without PORT/PASV first gets 425 before anything is opened. */
function noDataSetup(s: Session): boolean {
  if (s.data.configured) return false;
  s.restOffset = 0;
  if (s.texts.style === "netx") s.reply(550, "File Open Fail");
  else s.reply(425, "Use PORT, EPRT, PASV or EPSV first");
  return true;
}

function consumeRest(s: Session): number {
  const offset = s.restOffset;
  s.restOffset = 0;
  return offset;
}

async function retr(s: Session, arg: string): Promise<void> {
  if (noDataSetup(s)) return;
  const offset = consumeRest(s);
  if (s.texts.style === "netx" && s.type !== "I") {
    s.reply(...s.texts.binaryOnly());
    return;
  }
  const path = s.resolve(arg);
  // openRead refuses directories and devices itself: no separate stat on the hot path.
  const source = await s.fileSystem.openRead(path, { start: offset });
  const mode = s.type === "I" ? "BINARY" : "ASCII";
  const transform = s.type === "A" ? toNetworkAscii() : undefined;
  await runTransfer(
    s,
    "RETR",
    path,
    `${mode} mode data connection for ${path}`,
    (c) => sendTo(c, source, { stallMs: s.server.options.dataTimeoutMs, transform }),
    () => source.destroy(),
  );
}

type StoreKind = "STOR" | "APPE" | "STOU";

async function store(s: Session, arg: string, kind: StoreKind): Promise<void> {
  if (noDataSetup(s)) return;
  const offset = consumeRest(s);
  if (s.texts.style === "netx" && s.type !== "I") {
    s.reply(...s.texts.binaryOnly());
    return;
  }
  let path: string;
  if (kind === "STOU") path = await uniqueName(s, arg);
  else path = s.resolve(arg);
  const mode = kind === "APPE" ? "append" : kind === "STOU" ? "exclusive" : offset > 0 ? "at" : "truncate";
  const sink = await s.fileSystem.openWrite(path, { mode, start: offset });
  sink.on("error", () => undefined);
  const transform = s.type === "A" ? fromNetworkAscii() : undefined;
  const detail = kind === "STOU" ? `FILE: ${baseName(path)}` : `${s.type === "I" ? "BINARY" : "ASCII"} mode data connection for ${path}`;
  await runTransfer(
    s,
    kind,
    path,
    detail,
    (c) => receiveFrom(c, sink, { stallMs: s.server.options.dataTimeoutMs, transform }),
    () => sink.destroy(),
  );
}

async function uniqueName(s: Session, arg: string): Promise<string> {
  const base = arg.trim() === "" ? s.resolve("upload") : s.resolve(arg);
  for (let i = 0; i < 1000; i++) {
    const candidate = i === 0 && arg.trim() !== "" ? base : `${base}.${Date.now().toString(36)}${i}`;
    try {
      await s.fileSystem.stat(candidate);
    } catch (err) {
      if (err instanceof FsError && err.code === "ENOENT") return candidate;
      throw err;
    }
  }
  throw new FsError("EEXIST", "no unique name found");
}

/** `LIST -la dir` is common; flags are skipped in rfc (NetX takes them as a path and fails). */
function listTarget(s: Session, arg: string): string {
  let rest = arg.trim();
  if (s.texts.style !== "netx") {
    while (/^-[A-Za-z]+(\s|$)/.test(rest)) rest = rest.replace(/^-[A-Za-z]+\s*/, "");
  }
  return rest;
}

async function listing(s: Session, arg: string, kind: "LIST" | "NLST" | "MLSD"): Promise<void> {
  if (noDataSetup(s)) return;
  const target = kind === "MLSD" ? arg.trim() : listTarget(s, arg);
  const path = s.resolve(target);
  const fsys = s.fileSystem;
  const info = await fsys.stat(path);
  let entries: FileInfo[];
  if (info.type === "dir") entries = await fsys.list(path);
  else if (kind === "MLSD") {
    s.reply(501, `${path} is not a directory`);
    return;
  } else entries = [{ ...info, name: target.split("/").pop() || baseName(path) }];
  const now = new Date();
  const style = s.texts.style;
  const lines = entries.map((e) =>
    kind === "NLST" ? e.name : kind === "MLSD" ? formatMlsxLine(e, { facts: s.mlstFacts }) : formatListLine(e, { style, now }),
  );
  const body = Buffer.from(lines.length ? lines.join("\r\n") + "\r\n" : "", "utf8");
  const source = Readable.from(body.length ? [body] : []);
  await runTransfer(
    s,
    kind,
    path,
    path,
    (c) => sendTo(c, source, { stallMs: s.server.options.dataTimeoutMs }),
    () => source.destroy(),
  );
}

function rest(s: Session, arg: string): void {
  const text = arg.trim();
  if (!/^\d{1,15}$/.test(text)) {
    s.reply(501, "REST needs a byte offset");
    return;
  }
  s.restOffset = Number(text);
  s.reply(350, `Restarting at ${s.restOffset}. Send STOR or RETR to start the transfer`);
}

async function abor(s: Session): Promise<void> {
  const t = s.transfer;
  if (!t) {
    s.reply(225, "No transfer to abort");
    return;
  }
  t.aborting = true;
  if (t.run) t.run.abort();
  else s.data.reset();
  await t.finished;
  s.reply(426, "Connection closed; transfer aborted");
  s.reply(226, "Abort successful");
}

export const TRANSFERS: CommandTable = {
  RETR: command(retr, { arg: "required" }),
  STOR: command((s, a) => store(s, a, "STOR"), { arg: "required", writes: true }),
  APPE: command((s, a) => store(s, a, "APPE"), { arg: "required", writes: true }),
  STOU: command((s, a) => store(s, a, "STOU"), { writes: true }),
  LIST: command((s, a) => listing(s, a, "LIST")),
  NLST: command((s, a) => listing(s, a, "NLST")),
  MLSD: command((s, a) => listing(s, a, "MLSD")),
  REST: command(rest, { arg: "required" }),
  ABOR: command(abor),
};

