// hilftp boards [NAME|FILE.json]: the board profiles in boards/ (name, MTU, link, what the board
// is), or one profile resolved, with the limits the host's stack derives from it (deviceLimits):
// what a user checks before pointing --board at a board, and what a new profile file is checked by.
import { parseArgs } from "node:util";
import { deviceLimits, listProfiles, loadProfile, profileFile, ProfileError, type BoardProfile, type DeviceLimits } from "../board/index.js";
import type { Command, CommandContext } from "./command.js";
import { writeJson } from "./output.js";
import { UsageError } from "./url.js";

const USAGE = ["boards", "boards NAME|FILE.json [--mtu N]"];

/** The description up to its first full stop (one that ends a sentence, not "0.5" or "e.g."). */
export function firstSentence(text: string): string {
  const m = /^.*?[^.\s]{2,}[.!?](?=\s|$)/s.exec(text);
  return (m ? m[0] : text).replace(/\s+/g, " ").trim();
}

interface Row {
  readonly name: string;
  readonly mtu?: number;
  readonly link?: string;
  readonly baud?: number;
  readonly description?: string;
  /** Set instead of the rest when the profile does not load. */
  readonly error?: string;
}

async function list(ctx: CommandContext): Promise<void> {
  const rows: Row[] = [];
  for (const name of await listProfiles()) {
    try {
      const p = await loadProfile(name);
      rows.push({ name, mtu: p.mtu, link: p.link.spec, baud: p.link.baud, description: firstSentence(p.description) });
    } catch (err) {
      // One broken file must not hide the others: its row says what is wrong.
      if (!(err instanceof ProfileError)) throw err;
      rows.push({ name, error: err.message.split("\n").join("; ") });
    }
  }
  if (ctx.json) {
    writeJson(ctx, rows);
    return;
  }
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  const linkWidth = Math.max(4, ...rows.map((r) => (r.link ?? "").length));
  ctx.stdout.write(`${"NAME".padEnd(width)}  ${"MTU".padStart(5)}  ${"LINK".padEnd(linkWidth)}  DESCRIPTION\n`);
  for (const r of rows) {
    if (r.error !== undefined) ctx.stdout.write(`${r.name.padEnd(width)}  ${"-".padStart(5)}  ${"-".padEnd(linkWidth)}  invalid: ${r.error}\n`);
    else ctx.stdout.write(`${r.name.padEnd(width)}  ${String(r.mtu).padStart(5)}  ${r.link!.padEnd(linkWidth)}  ${r.description}\n`);
  }
}

function describe(p: BoardProfile, limits: DeviceLimits, file: string | undefined): string {
  const a = p.addresses;
  const t = p.tcp;
  const lines = [
    `${p.name}${file ? `  (${file})` : ""}`,
    `  ${firstSentence(p.description)}`,
    "",
    `link        ${p.link.spec} (${p.link.baud} baud)`,
    `mtu         ${p.mtu}`,
    `pool        ${p.pool.count} buffers of ${p.pool.payloadSize} bytes`,
    `tcp         mss ${t.mss}, window ${t.window}, ${t.segmentsInFlight} segments in flight` +
      `${t.rto ? `, rto ${t.rto.initialMs}/${t.rto.minMs}/${t.rto.maxMs} ms` : ""}` +
      `${t.delayedAckMs !== undefined ? `, delayed ACK ${t.delayedAckMs} ms` : ""}${t.nagle !== undefined ? `, nagle ${t.nagle ? "on" : "off"}` : ""}`,
    `addresses   host ${[a.hostIpv4, a.hostIpv6].filter(Boolean).join(" ")}, board ${[a.boardIpv4, a.boardIpv6].filter(Boolean).join(" ")}`,
    `ftp         port ${p.ftp.port}, user ${p.ftp.user}, password ${p.ftp.password}, dialect ${p.ftp.dialect}` +
      `${p.ftp.oneMessagePerSegment ? ", one message per segment" : ""}`,
  ];
  if (p.qemu) lines.push(`qemu        -M ${p.qemu.machine} -kernel ${p.qemu.firmware}${p.qemu.build ? ` (make ${p.qemu.build})` : ""}`);
  if (p.sim) lines.push(`sim         ${p.sim.firmware}${p.sim.build ? ` (make ${p.sim.build})` : ""}`);
  lines.push(
    "",
    "host-side limits (what the host's stack holds to toward this board):",
    `  mtu ${limits.mtu}, IPv4 MSS ${limits.ipv4Mss}, IPv6 MSS ${limits.ipv6Mss}${limits.ipv6 ? "" : " (IPv6 off)"}`,
    `  window ${limits.window}, ${limits.segmentsInFlight} segments in flight, FTP messages ${limits.messageBoundaries ? "one per segment" : "may share segments"}`,
    ...limits.notes.map((n) => `  note: ${n}`),
  );
  return `${lines.join("\n")}\n`;
}

async function show(target: string, mtuText: string | undefined, ctx: CommandContext): Promise<void> {
  const profile = await loadProfile(target);
  let limits: DeviceLimits;
  try {
    limits = deviceLimits(profile, mtuText !== undefined ? { mtu: Number(mtuText) } : {});
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  const file = profileFile(profile);
  if (ctx.json) writeJson(ctx, { file: file ?? null, profile, limits });
  else ctx.stdout.write(describe(profile, limits, file));
}

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { mtu: { type: "string" } } });
  if (positionals.length > 1) throw new UsageError(`usage: hilftp ${USAGE.join(" | hilftp ")}`);
  const [target] = positionals;
  if (target === undefined) {
    if (values.mtu !== undefined) throw new UsageError("--mtu goes with a board: hilftp boards NAME --mtu N");
    await list(ctx);
    return;
  }
  await show(target, values.mtu, ctx);
}

export const boards: Command = {
  name: "boards",
  help: {
    summary: "list the board profiles, or show one resolved with the limits the host derives",
    usage: USAGE,
    options: [
      "  NAME                  a profile in boards/ (its file name without .json)",
      "  FILE.json             any profile file: checked, every wrong field named (exit 2)",
      "  --mtu N               the limits as --mtu N on another command would make them",
    ],
    examples: ["hilftp boards", "hilftp boards qemu-netduinoplus2", "hilftp boards ./my-board.json --json", "hilftp boards native-sim --mtu 576"],
    shared: ["output"],
  },
  run,
};
