// Part 2: many small files up and down in one ftplib session (bench/small_files.py), per server.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PYTHON, measured } from "../lib/measure.mjs";
import { fmt, log, median, ratio, table } from "../lib/report.mjs";
import { startServers, stopServers } from "./common.mjs";

const SMALL = join(dirname(fileURLToPath(import.meta.url)), "..", "small_files.py");

export async function benchSmall(ctx) {
  const { opts } = ctx;
  const servers = await startServers(ctx, "small", opts.servers);
  const runs = {};
  const windows = { files: [] };
  try {
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const s of servers) {
        const dir = `${s.ftpDir}/small-${rep}`;
        const m = await measured(s, PYTHON, [SMALL, s.host, String(s.port), s.user, s.password, dir, String(opts.files), String(opts.fileKiB * 1024)]);
        if (s.name === "hilftp") windows.files.push(m.window);
        const r = JSON.parse(m.stdout.trim().split("\n").at(-1));
        if (r.corrupt !== 0) throw new Error(`small files with ${s.name}: ${r.corrupt} corrupt downloads`);
        const run = {
          uploadFilesPerSecond: r.files / r.uploadSeconds,
          downloadFilesPerSecond: r.files / r.downloadSeconds,
          filesPerSecond: (2 * r.files) / (r.uploadSeconds + r.downloadSeconds),
          sessionSeconds: m.wallSeconds,
          serverCpuSeconds: m.serverCpuSeconds,
          serverCpuMsPerFile: (m.serverCpuSeconds * 1000) / (2 * r.files),
          clientCpuSeconds: m.clientCpuSeconds,
        };
        (runs[s.name] ??= []).push(run);
        log(`small rep ${rep}: ${s.name}: ${fmt(run.filesPerSecond, 0)} files/s`);
      }
    }
  } finally {
    await stopServers(ctx, "small", servers, windows);
  }
  const keys = ["uploadFilesPerSecond", "downloadFilesPerSecond", "filesPerSecond", "sessionSeconds", "serverCpuSeconds", "serverCpuMsPerFile", "clientCpuSeconds"];
  const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, Object.fromEntries(keys.map((x) => [x, median(v.map((r) => r[x]))]))]));
  const ratios = {};
  for (const peer of opts.peers) {
    ratios[`files/s hilftp/${peer}`] = ratio(med.hilftp?.filesPerSecond, med[peer]?.filesPerSecond);
    ratios[`server CPU per file hilftp/${peer}`] = ratio(med.hilftp?.serverCpuMsPerFile, med[peer]?.serverCpuMsPerFile);
  }
  table(
    `2. small files: ${opts.files} x ${opts.fileKiB} KiB up then down, one ftplib session (median of ${opts.reps})`,
    ["server", "files/s", "up files/s", "down files/s", "session s", "server CPU s", "server ms/file"],
    Object.entries(med).map(([k, m]) => [k, fmt(m.filesPerSecond, 0), fmt(m.uploadFilesPerSecond, 0), fmt(m.downloadFilesPerSecond, 0), fmt(m.sessionSeconds), fmt(m.serverCpuSeconds), fmt(m.serverCpuMsPerFile, 3)]),
  );
  return { files: opts.files, fileBytes: opts.fileKiB * 1024, runs, medians: med, ratios };
}

