// What every part does with servers: start a fresh set (our server optionally under
// --cpu-prof), stop them, summarise a profile, and put the big file into a server's root.
import { copyFile, link, mkdir, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { onCleanup } from "../lib/cleanup.mjs";
import { summarizeProfiles } from "../lib/profile.mjs";
import { fmt, log, table } from "../lib/report.mjs";
import { startOurs, startPureFtpdBench, startVsftpdBench } from "../lib/servers.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export async function startServers(ctx, part, kinds, { maxSessions = 50 } = {}) {
  const started = [];
  try {
    for (const kind of kinds) {
      let server;
      if (kind === "hilftp") {
        const profileDir = ctx.opts.profile ? join(ctx.work, `profile-server-${part}`) : undefined;
        server = await startOurs({
          root: join(ctx.work, `hilftp-${part}`),
          maxSessions: Math.max(maxSessions, 1000),
          nodeFlags: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
          env: ctx.opts.hilftpEnv,
        });
        server.profileDir = profileDir;
      } else if (kind === "vsftpd") server = await startVsftpdBench({ maxClients: maxSessions });
      else server = await startPureFtpdBench({ maxClients: maxSessions });
      server.release = onCleanup(() => server.stop());
      started.push(server);
      log(`${part}: ${server.name} on ${server.host}:${server.port} (pid ${server.pid})`);
    }
  } catch (error) {
    for (const s of started) await s.release();
    throw error;
  }
  return started;
}

/** Stops the servers; for a profiled one, summarises its profile per group of transfer windows. */
export async function stopServers(ctx, part, servers, windowsByLabel) {
  for (const s of servers) {
    await s.release();
    if (!s.profileDir) continue;
    const groups = Object.entries(windowsByLabel ?? {}).filter(([, w]) => w.length > 0);
    if (groups.length === 0) groups.push(["", undefined]);
    for (const [label, windows] of groups) {
      const name = `${part}-server${label ? `-${label}` : ""}`;
      ctx.results.profiles[name] = await readProfile(ctx, s.profileDir, name, windows);
    }
  }
}

export async function readProfile(ctx, dir, label, windows) {
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(dir, f)) : [];
  if (files.length === 0) return { error: `no .cpuprofile in ${dir}` };
  const summary = summarizeProfiles(files, { root: REPO, windows, top: 15 });
  // keep the raw profile next to the results for Chrome DevTools / speedscope
  await mkdir(ctx.resultsDir, { recursive: true });
  const kept = [];
  for (const [i, f] of files.entries()) {
    const dest = join(ctx.resultsDir, `${ctx.stamp}-${label}${files.length > 1 ? `-${i}` : ""}.cpuprofile`);
    await copyFile(f, dest);
    kept.push(dest);
  }
  table(
    `hot spots: ${label} (${summary.windowed ? "during the transfers" : "whole run"}; busy ${fmt(summary.busyMs, 0)} ms)`,
    ["function", "where", "self ms", "share"],
    summary.top.map((e) => [e.name, e.where, fmt(e.selfMs, 0), `${fmt(e.share * 100, 1)}%`]),
  );
  return { ...summary, files: kept };
}

export async function placeFile(source, server, name) {
  const dest = join(server.diskDir, name);
  await rm(dest, { force: true });
  try {
    await link(source, dest);
  } catch {
    await copyFile(source, dest);
  }
}

