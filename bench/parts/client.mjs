// Part 1b: bulk RETR and STOR with curl and with our client (one process per transfer) against
// vsftpd, and against our own server as extra rows.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "../../dist/testing/peers.js";
import { curlGet, curlPut, figures, medians, oursTransfer } from "../lib/measure.mjs";
import { MIB, fmt, log, ratio, table } from "../lib/report.mjs";
import { removeServerFile } from "../lib/servers.mjs";
import { placeFile, readProfile, startServers, stopServers } from "./common.mjs";

export async function benchClient(ctx) {
  const { opts } = ctx;
  const size = opts.sizeMiB * MIB;
  // the issue compares clients against vsftpd; our server is an extra row when it is being built
  const servers = await startServers(ctx, "client", ["vsftpd", "hilftp"].filter((k) => opts.servers.includes(k)));
  const runs = {};
  const clientProfile = opts.profile && opts.clients.includes("hilftp") ? { get: join(ctx.work, "profile-client-get"), put: join(ctx.work, "profile-client-put") } : undefined;
  const push = (key, r) => (runs[key] ??= []).push(figures(r));
  try {
    for (const s of servers) await placeFile(ctx.source, s, "big.bin");
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const s of servers) {
        for (const client of opts.clients) {
          const r =
            client === "curl"
              ? await curlGet(s, "big.bin", size)
              : await oursTransfer(s, "get", `${s.ftpDir}/big.bin`, "/dev/null", size, s.name === "vsftpd" ? clientProfile?.get : undefined);
          push(`${client} RETR <- ${s.name}`, r);
          log(`client rep ${rep}: ${client} RETR <- ${s.name}: ${fmt(size / MIB / r.wallSeconds, 0)} MiB/s`);
        }
      }
    }
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const s of servers) {
        for (const client of opts.clients) {
          await removeServerFile(s, "up.bin");
          const r =
            client === "curl"
              ? await curlPut(s, ctx.source, "up.bin", size)
              : await oursTransfer(s, "put", `${s.ftpDir}/up.bin`, ctx.source, size, s.name === "vsftpd" ? clientProfile?.put : undefined);
          const landed = join(s.diskDir, "up.bin");
          const got = (await stat(landed)).size;
          if (got !== size) throw new Error(`${client} STOR to ${s.name}: ${got} bytes on disk, expected ${size}`);
          if (rep === 1 && (await sha256File(landed)) !== ctx.sourceSha) throw new Error(`${client} STOR to ${s.name}: SHA-256 differs`);
          await removeServerFile(s, "up.bin");
          push(`${client} STOR -> ${s.name}`, r);
          log(`client rep ${rep}: ${client} STOR -> ${s.name}: ${fmt(size / MIB / r.wallSeconds, 0)} MiB/s`);
        }
      }
    }
  } finally {
    await stopServers(ctx, "client", servers, undefined);
  }
  if (clientProfile) {
    ctx.results.profiles["client-get"] = await readProfile(ctx, clientProfile.get, "client-get", undefined);
    ctx.results.profiles["client-put"] = await readProfile(ctx, clientProfile.put, "client-put", undefined);
  }
  const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, medians(v)]));
  const ratios = {};
  for (const [op, dir] of [["RETR", "<-"], ["STOR", "->"]]) {
    const ours = med[`hilftp ${op} ${dir} vsftpd`];
    const curl = med[`curl ${op} ${dir} vsftpd`];
    ratios[`${op} throughput hilftp/curl (vsftpd)`] = ratio(ours?.mibPerSecond, curl?.mibPerSecond);
    ratios[`${op} transfer-phase throughput hilftp/curl (vsftpd)`] = ratio(ours?.transferMiBPerSecond, curl?.transferMiBPerSecond);
    ratios[`${op} client CPU hilftp/curl (vsftpd)`] = ratio(ours?.clientCpuSeconds, curl?.clientCpuSeconds);
  }
  table(
    `1b. bulk ${opts.sizeMiB} MiB, client compared (median of ${opts.reps}; wall includes process start)`,
    ["client op server", "MiB/s", "wall s", "client CPU s", "server CPU s", "xfer MiB/s", "client RSS MiB"],
    Object.entries(med).map(([k, m]) => [
      k,
      fmt(m.mibPerSecond, 0),
      fmt(m.wallSeconds, 3),
      fmt(m.clientCpuSeconds),
      fmt(m.serverCpuSeconds),
      fmt(m.transferMiBPerSecond, 0),
      fmt(m.clientMaxRssKiB / 1024, 0),
    ]),
  );
  return { sizeBytes: size, runs, medians: med, ratios };
}

