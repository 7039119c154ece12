#!/usr/bin/env node
// Every benchmark in one go (`npm run bench`): the loopback comparison with the peers (run.mjs),
// the SLIP tunnel (tunnel.mjs), the boards (board.mjs) and the SLIP codec (slip.mjs), each as its
// own child process, as they run alone: a part's servers, boards and signal handling stay its
// own, and one failing part does not lose the others. Then one results file with everything
// measured (bench/results/<timestamp>.json), the chart (SVG) and the markdown table, the chart
// also copied to bench/chart.svg for the README. Not a test: it asserts nothing.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { renderChart } from "./lib/chart.mjs";
import { log } from "./lib/report.mjs";
import { chartSpec, markdown } from "./lib/summary.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..");
const PARTS = ["loopback", "tunnel", "board", "slip"];

const HELP = `usage: node bench/all.mjs [options]     (npm run bench builds first; npm run bench -- --quick)

  --quick             small sizes and one run each: a few minutes instead of ~25
  --only=PARTS        comma list of: loopback, tunnel, board, slip (default all)
  --bauds=LIST        shaped line rates for the tunnel and board parts (default 115200)
  --reps=N            runs per measurement in loopback and board (default 3; --quick 1)
  --size-mib=N        loopback bulk file (default 1024; --quick 64)
  --shaped-kib=N      tunnel: shaped RETR per MTU (default 1024; --quick 128)
  --unshaped-mib=N    tunnel: unshaped RETR (default 256; --quick 32)
  --boards=LIST       native, qemu (default both)
  --chart=PATH        where the latest chart is copied (default bench/chart.svg; "none": no copy)
  --from=FILE         measure nothing: redraw chart and table from an earlier results JSON of this runner

Each part's own options: node bench/run.mjs --help, and the headers of tunnel.mjs, board.mjs, slip.mjs.
The loopback part needs root (vsftpd chroots); without it that part is skipped.`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string", default: PARTS.join(",") },
      bauds: { type: "string", default: "115200" },
      reps: { type: "string" },
      "size-mib": { type: "string" },
      "shaped-kib": { type: "string" },
      "unshaped-mib": { type: "string" },
      boards: { type: "string", default: "native,qemu" },
      chart: { type: "string", default: join(HERE, "chart.svg") },
      from: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const positive = (name, fallback) => {
    const text = values[name] ?? String(fallback);
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} wants a positive integer, got ${text}`);
    return n;
  };
  const only = values.only.split(",").map((p) => p.trim()).filter(Boolean);
  for (const p of only) if (!PARTS.includes(p)) throw new Error(`--only: unknown part "${p}" (${PARTS.join(", ")})`);
  const boards = values.boards.split(",").map((p) => p.trim()).filter(Boolean);
  for (const b of boards) if (b !== "native" && b !== "qemu") throw new Error(`--boards: unknown "${b}" (native, qemu)`);
  const bauds = values.bauds.split(",").map((b) => Number(b.trim()));
  for (const b of bauds) if (!Number.isInteger(b) || b < 50) throw new Error(`--bauds wants whole numbers, got ${values.bauds}`);
  const q = values.quick;
  return {
    quick: q,
    only,
    bauds,
    boards,
    reps: positive("reps", q ? 1 : 3),
    sizeMiB: positive("size-mib", q ? 64 : 1024),
    shapedKiB: positive("shaped-kib", q ? 128 : 1024),
    unshapedMiB: positive("unshaped-mib", q ? 32 : 256),
    chart: values.chart === "none" ? undefined : resolve(values.chart),
    from: values.from,
  };
}

/** The command line of each part: its script and options, written to `out`. */
function partCommand(part, opts, out) {
  const script = (name) => join(HERE, name);
  switch (part) {
    case "loopback":
      return [
        script("run.mjs"),
        `--size-mib=${opts.sizeMiB}`,
        `--reps=${opts.reps}`,
        ...(opts.quick ? ["--files=200", "--sessions=200"] : []),
        `--out=${out}`,
      ];
    case "tunnel":
      return [script("tunnel.mjs"), `--baud=${opts.bauds.join(",")}`, `--shaped-kib=${opts.shapedKiB}`, `--unshaped-mib=${opts.unshapedMiB}`, `--out=${out}`];
    case "board":
      return [
        script("board.mjs"),
        `--only=${opts.boards.join(",")}`,
        `--reps=${opts.reps}`,
        `--baud=${opts.bauds.join(",")}`,
        // quick: one 64 KiB file per board (a shaped 256 KiB alone takes ~25 s per verb)
        ...(opts.quick ? ["--native-sizes=64", "--qemu-sizes=64"] : []),
        `--out=${out}`,
      ];
    case "slip":
      return [script("slip.mjs"), ...(opts.quick ? ["--frames=5000", "--reps=1"] : []), `--json=${out}`];
    default:
      throw new Error(`unknown part ${part}`);
  }
}

let current; // the running part's child process
let interrupted = false;

/** Runs one part to its end; its stdout and stderr go straight to ours. */
function runPart(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: "inherit", cwd: REPO });
    current = child;
    child.once("error", (error) => done({ code: 1, error: error.message }));
    child.once("exit", (code, signal) => {
      current = undefined;
      done({ code: code ?? 128 + (os.constants.signals[signal] ?? 0), signal });
    });
  });
}

async function writeOutputs(results, resultsDir, stamp, chartCopy) {
  await mkdir(resultsDir, { recursive: true });
  const svg = renderChart(chartSpec(results));
  const md = markdown(results);
  const files = {
    json: join(resultsDir, `${stamp}.json`),
    svg: join(resultsDir, `${stamp}.svg`),
    md: join(resultsDir, `${stamp}.md`),
  };
  await writeFile(files.json, `${JSON.stringify(results, (k, v) => (typeof v === "bigint" ? String(v) : v), 2)}\n`);
  await writeFile(files.svg, svg);
  await writeFile(files.md, `${md}\n`);
  await copyFile(files.md, join(resultsDir, "latest.md"));
  if (chartCopy) {
    await mkdir(dirname(chartCopy), { recursive: true });
    await copyFile(files.svg, chartCopy);
  }
  process.stdout.write(`\n${md}\n`);
  process.stdout.write(`results: ${files.json}\nchart:   ${files.svg}${chartCopy ? ` (copied to ${chartCopy})` : ""}\ntable:   ${files.md} (and ${join(resultsDir, "latest.md")})\n`);
}

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\n${HELP}\n`);
    process.exit(2);
  }
  const resultsDir = join(HERE, "results");
  if (opts.from) {
    const results = JSON.parse(await readFile(opts.from, "utf8"));
    await writeOutputs(results, resultsDir, `${results.startedAt.replace(/[:.]/g, "-")}-redrawn`, opts.chart);
    return;
  }
  if (!existsSync(join(REPO, "dist", "link", "line-limit.js"))) throw new Error("dist/ is missing or old: run `npm run build` (npm run bench builds first)");
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const results = {
    startedAt: started.toISOString(),
    options: opts,
    environment: {
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryMiB: Math.round(os.totalmem() / 1024 / 1024),
      loadAverageAtStart: os.loadavg(),
    },
    parts: {},
  };
  // Ctrl-C reaches the running part too (same process group) and it cleans up after itself; we
  // stop after it and still write what the finished parts measured. SIGTERM only reaches us.
  process.on("SIGINT", () => {
    interrupted = true;
  });
  process.on("SIGTERM", () => {
    interrupted = true;
    if (current?.pid) process.kill(current.pid, "SIGTERM");
  });
  const work = await mkdtemp(join(os.tmpdir(), "hilftp-bench-all-"));
  try {
    for (const part of PARTS) {
      if (!opts.only.includes(part)) continue;
      if (interrupted) {
        results.parts[part] = { skipped: "interrupted" };
        continue;
      }
      if (part === "loopback" && process.getuid?.() !== 0) {
        log("loopback: skipped, it needs root (vsftpd chroots): sudo npm run bench");
        results.parts[part] = { skipped: "needs root (vsftpd chroots)" };
        continue;
      }
      const out = join(work, `${part}.json`);
      const args = partCommand(part, opts, out);
      log(`${part}: node ${args.map((a) => a.replace(`${REPO}/`, "")).join(" ")}`);
      const t0 = performance.now();
      const load = os.loadavg()[0];
      const r = await runPart(args);
      const seconds = (performance.now() - t0) / 1000;
      const entry = { command: args.map((a) => a.replace(`${REPO}/`, "")), seconds, exitCode: r.code, loadAverage: { start: load, end: os.loadavg()[0] } };
      if (existsSync(out)) entry.results = JSON.parse(await readFile(out, "utf8"));
      if (r.code !== 0) entry.error = r.error ?? `exit code ${r.code}${r.signal ? ` (${r.signal})` : ""}`;
      results.parts[part] = entry;
      log(`${part}: ${r.code === 0 ? "done" : `FAILED (${entry.error})`} in ${seconds.toFixed(0)} s`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  results.finishedAt = new Date().toISOString();
  results.seconds = (Date.now() - started.getTime()) / 1000;
  await writeOutputs(results, resultsDir, stamp, opts.chart);
  const failed = Object.entries(results.parts).filter(([, p]) => p.error);
  if (interrupted) process.exitCode = 130;
  else if (failed.length) process.exitCode = 1;
}

main().catch((error) => {
  log(`failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
