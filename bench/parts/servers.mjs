// Part 1a: bulk RETR and STOR of one big file with curl as the client, our server against
// vsftpd and pure-ftpd, interleaved rep by rep; sizes always and SHA-256 in the first rep checked.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "../../dist/testing/peers.js";
import { curlGet, curlPut, figures, medians } from "../lib/measure.mjs";
import { MIB, fmt, log, ratio, table } from "../lib/report.mjs";
import { removeServerFile } from "../lib/servers.mjs";
import { placeFile, startServers, stopServers } from "./common.mjs";

export async function benchServers(ctx) {
  const { opts } = ctx;
  const size = opts.sizeMiB * MIB;
  const servers = await startServers(ctx, "servers", opts.servers);
  const runs = {};
  const windows = { RETR: [], STOR: [] };
  const push = (key, r) => (runs[key] ??= []).push(figures(r));
  try {
    for (const s of servers) await placeFile(ctx.source, s, "big.bin");
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const s of servers) {
        const r = await curlGet(s, "big.bin", size);
        if (s.name === "hilftp") windows.RETR.push(r.window);
        push(`${s.name} RETR`, r);
        log(`servers rep ${rep}: curl RETR from ${s.name}: ${fmt(size / MIB / r.wallSeconds, 0)} MiB/s`);
      }
    }
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const s of servers) {
        await removeServerFile(s, "up.bin");
        const r = await curlPut(s, ctx.source, "up.bin", size);
        if (s.name === "hilftp") windows.STOR.push(r.window);
        const landed = join(s.diskDir, "up.bin");
        const got = (await stat(landed)).size;
        if (got !== size) throw new Error(`STOR to ${s.name}: ${got} bytes on disk, expected ${size}`);
        if (rep === 1 && (await sha256File(landed)) !== ctx.sourceSha) throw new Error(`STOR to ${s.name}: SHA-256 differs`);
        await removeServerFile(s, "up.bin");
        push(`${s.name} STOR`, r);
        log(`servers rep ${rep}: curl STOR to ${s.name}: ${fmt(size / MIB / r.wallSeconds, 0)} MiB/s`);
      }
    }
  } finally {
    await stopServers(ctx, "servers", servers, windows);
  }
  const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, medians(v)]));
  const ratios = {};
  for (const op of ["RETR", "STOR"]) {
    const ours = med[`hilftp ${op}`];
    for (const peer of opts.peers) {
      const other = med[`${peer} ${op}`];
      ratios[`${op} throughput hilftp/${peer}`] = ratio(ours?.mibPerSecond, other?.mibPerSecond);
      ratios[`${op} server CPU hilftp/${peer}`] = ratio(ours?.serverCpuSeconds, other?.serverCpuSeconds);
    }
  }
  table(
    `1a. bulk ${opts.sizeMiB} MiB, curl as the client, server compared (median of ${opts.reps})`,
    ["server op", "MiB/s", "wall s", "server CPU s", "(usr/sys)", "server faults", "client CPU s", "xfer MiB/s"],
    Object.entries(med).map(([k, m]) => [
      k,
      fmt(m.mibPerSecond, 0),
      fmt(m.wallSeconds, 3),
      fmt(m.serverCpuSeconds),
      `${fmt(m.serverUserSeconds)}/${fmt(m.serverSystemSeconds)}`,
      fmt(m.serverMinorFaults, 0),
      fmt(m.clientCpuSeconds),
      fmt(m.transferMiBPerSecond, 0),
    ]),
  );
  return { sizeBytes: size, runs, medians: med, ratios };
}

