// Summarises V8 .cpuprofile files (node --cpu-prof): self time per function, largest first,
// leaving out (idle). Optional time windows (process.hrtime.bigint() values, which share V8's
// monotonic clock on Linux) keep only the samples taken during the benchmarked transfers.
import { readFileSync } from "node:fs";
import { relative } from "node:path";

/**
 * @param {string[]} paths .cpuprofile files, summed
 * @param {{ top?: number, root?: string, windows?: {from: bigint, to: bigint}[] }} options
 */
export function summarizeProfiles(paths, { top = 15, root = process.cwd(), windows } = {}) {
  const byFunction = new Map();
  let totalUs = 0;
  let idleUs = 0;
  let windowed = windows !== undefined && windows.length > 0;
  const tally = (useWindows) => {
    byFunction.clear();
    totalUs = 0;
    idleUs = 0;
    let counted = 0;
    for (const path of paths) {
      const profile = JSON.parse(readFileSync(path, "utf8"));
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const deltas = profile.timeDeltas ?? [];
      let t = profile.startTime;
      for (let i = 0; i < profile.samples.length; i++) {
        t += deltas[i] ?? 0;
        // a sample's duration is the gap to the next one
        const dt = deltas[i + 1] ?? 0;
        if (useWindows) {
          const ns = BigInt(Math.round(t)) * 1000n;
          if (!windows.some((w) => ns >= w.from && ns <= w.to)) continue;
        }
        counted++;
        const cf = byId.get(profile.samples[i]).callFrame;
        totalUs += dt;
        if (cf.functionName === "(idle)") {
          idleUs += dt;
          continue;
        }
        const url = cf.url ? cf.url.replace(/^file:\/\//, "") : "";
        const where = url ? `${url.startsWith("/") ? relative(root, url) : url}:${cf.lineNumber + 1}` : "";
        const name = cf.functionName || "(anonymous)";
        const key = `${name} ${where}`;
        const entry = byFunction.get(key) ?? { name, where, selfUs: 0 };
        entry.selfUs += dt;
        byFunction.set(key, entry);
      }
    }
    return counted;
  };
  // if the clocks did not line up, fall back to the whole profile rather than report nothing
  if (windowed && tally(true) === 0) windowed = false;
  if (!windowed) tally(false);
  const busyUs = totalUs - idleUs;
  const list = [...byFunction.values()]
    .sort((a, b) => b.selfUs - a.selfUs)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.selfUs / 1000, share: busyUs ? e.selfUs / busyUs : 0 }));
  return { windowed, sampledMs: totalUs / 1000, busyMs: busyUs / 1000, top: list };
}
