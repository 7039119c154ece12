// From the results of bench/all.mjs (each part's own JSON under parts.<name>.results) to what a
// reader wants at a glance: the rows of the serial-line table (tunnel and board, goodput against
// the physical limit per MTU and baud), the unshaped figures, the loopback comparison with the
// peers, the SLIP codec figures; then the same as a markdown table and as the chart's panels.
// Parts that did not run (or failed) are simply absent from every output.
import { PALETTE } from "./chart.mjs";

const KIB = 1024;
const MIB = 1024 * 1024;

const LINE_PATHS = {
  tunnel: { name: "our two stacks (tunnel.mjs)", color: PALETTE[0] },
  "native-sim": { name: "native-sim board", color: PALETTE[2] },
  "qemu-netduinoplus2": { name: "qemu-netduinoplus2 board", color: PALETTE[3] },
};
const PEERS = [
  { key: "hilftp", color: PALETTE[0] },
  { key: "vsftpd", color: PALETTE[1] },
  { key: "pure-ftpd", color: PALETTE[2] },
  { key: "curl", color: PALETTE[4] },
];

const fixed = (x, d = 0) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(d) : "-");
const pct = (x, d = 1) => (typeof x === "number" && Number.isFinite(x) ? `${(100 * x).toFixed(d)}%` : "-");
export function sizeText(bytes) {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= KIB && bytes % KIB === 0) return `${bytes / KIB} KiB`;
  return `${bytes} B`;
}

/** Shaped transfers, tunnel and board: goodput against the physical limit of the line. */
export function lineRows(results) {
  const rows = [];
  const tunnel = results.parts?.tunnel?.results;
  for (const t of tunnel?.shaped ?? []) {
    rows.push({
      path: "tunnel",
      mtu: t.mtu,
      baud: t.baud ?? tunnel.baud,
      verb: "RETR",
      size: (tunnel.shapedKiB ?? NaN) * KIB,
      goodput: t.goodput,
      limit: t.limit,
      ofLimit: t.ratio,
      ok: t.ok,
    });
  }
  for (const row of results.parts?.board?.results?.rows ?? []) {
    if (!row.shaped || !row.medians) continue;
    for (const verb of ["STOR", "RETR"]) {
      const m = row.medians[verb];
      if (!m) continue;
      rows.push({ path: row.board, mtu: row.mtu, baud: row.baud, verb, size: row.size, goodput: m.goodput, limit: m.limit, ofLimit: m.ratioLimit, ok: m.allOk });
    }
  }
  const order = (p) => (p === "tunnel" ? 0 : 1);
  return rows.sort((a, b) => a.baud - b.baud || order(a.path) - order(b.path) || a.path.localeCompare(b.path) || a.mtu - b.mtu || a.size - b.size || a.verb.localeCompare(b.verb));
}

/** Unshaped transfers: the tunnel's Gbit/s and the boards' bytes/s as fast as they go. */
export function unshapedRows(results) {
  const rows = [];
  const tunnel = results.parts?.tunnel?.results;
  const u = tunnel?.unshaped;
  if (u) rows.push({ path: "tunnel", what: `RETR ${sizeText(u.bytes)}, MTU 1500, one connection`, value: `${fixed(u.gbitPerSecond, 2)} Gbit/s`, ok: u.ok });
  for (const row of results.parts?.board?.results?.rows ?? []) {
    if (row.shaped || !row.medians) continue;
    for (const verb of ["STOR", "RETR"]) {
      const m = row.medians[verb];
      if (m) rows.push({ path: row.board, what: `${verb} ${sizeText(row.size)}, MTU ${row.mtu ?? "?"}`, value: `${fixed(m.goodput)} B/s`, ok: m.allOk });
    }
  }
  return rows;
}

/** Loopback MiB/s (wall time of the client process) of hilftp against its peers, and the small/burst figures. */
export function loopback(results) {
  const r = results.parts?.loopback?.results;
  if (!r?.parts) return undefined;
  const s = r.parts.servers?.medians ?? {};
  const c = r.parts.client?.medians ?? {};
  const groups = [];
  for (const op of ["RETR", "STOR"]) {
    const bars = ["hilftp", "vsftpd", "pure-ftpd"].map((k) => ({ series: k, value: s[`${k} ${op}`]?.mibPerSecond }));
    if (bars.some((b) => Number.isFinite(b.value))) groups.push({ label: `server ${op} (client: curl)`, bars });
  }
  for (const [op, dir, peer] of [["RETR", "<-", "from"], ["STOR", "->", "to"]]) {
    const bars = ["hilftp", "curl"].map((k) => ({ series: k, value: c[`${k} ${op} ${dir} vsftpd`]?.mibPerSecond }));
    if (bars.some((b) => Number.isFinite(b.value))) groups.push({ label: `client ${op} ${peer} vsftpd`, bars });
  }
  const small = r.parts.small?.medians;
  const burst = r.parts.burst;
  return {
    sizeMiB: r.options?.sizeMiB,
    reps: r.options?.reps,
    files: r.options?.files,
    fileKiB: r.options?.fileKiB,
    sessions: r.options?.sessions,
    groups,
    small: small ? Object.fromEntries(Object.entries(small).map(([k, m]) => [k, m.filesPerSecond])) : undefined,
    burstLoggedIn: burst ? Object.fromEntries(["hilftp", "vsftpd", "pure-ftpd"].filter((k) => burst[k]).map((k) => [k, burst[k].loggedIn])) : undefined,
    burstP95: burst ? Object.fromEntries(["hilftp", "vsftpd", "pure-ftpd"].filter((k) => burst[k]).map((k) => [k, burst[k].latencyMs?.p95])) : undefined,
    burstRss: burst ? Object.fromEntries(["hilftp", "vsftpd", "pure-ftpd"].filter((k) => burst[k]).map((k) => [k, burst[k].rssPerSessionKiB])) : undefined,
    burstPss: burst ? Object.fromEntries(["hilftp", "vsftpd", "pure-ftpd"].filter((k) => burst[k]).map((k) => [k, burst[k].pssPerSessionKiB])) : undefined,
  };
}

function slipRows(results) {
  const m = results.parts?.slip?.results?.mbPerCpuSecond;
  if (!m) return undefined;
  return [
    ["encode", m.encodeOurs?.median, m.encodeTheirs?.median],
    ["decode", m.decodeOurs?.median, m.decodeTheirs?.median],
    ["SlipFraming over linkPair", m.framing?.median, undefined],
  ];
}

const lineLabel = (row, manyBauds) =>
  `${row.path === "tunnel" ? "tunnel" : row.path} · MTU ${row.mtu} · ${row.verb} ${Number.isFinite(row.size) ? sizeText(row.size) : ""}${manyBauds ? ` · ${row.baud} Bd` : ""}`;

/** The markdown tables (for the README), one section per part that ran. */
export function markdown(results) {
  const out = [];
  const line = lineRows(results);
  if (line.length) {
    out.push("**Serial line: goodput against the physical limit** (limit = baud/10 × file bytes / wire bytes in the transfer direction)", "");
    out.push("| path | MTU | baud | verb | size | goodput B/s | limit B/s | of limit | of baud/10 |", "|---|--:|--:|---|--:|--:|--:|--:|--:|");
    for (const r of line) {
      out.push(`| ${r.path} | ${r.mtu} | ${r.baud} | ${r.verb} | ${Number.isFinite(r.size) ? sizeText(r.size) : "-"} | ${fixed(r.goodput)} | ${fixed(r.limit)} | ${pct(r.ofLimit)}${r.ok === false ? " (bytes differ)" : ""} | ${pct(r.goodput / (r.baud / 10))} |`);
    }
    out.push("");
  }
  const unshaped = unshapedRows(results);
  if (unshaped.length) {
    out.push("**Unshaped** (as fast as the stacks, the child process or QEMU go)", "", "| path | transfer | goodput |", "|---|---|--:|");
    for (const r of unshaped) out.push(`| ${r.path} | ${r.what} | ${r.value}${r.ok === false ? " (bytes differ)" : ""} |`);
    out.push("");
  }
  const lb = loopback(results);
  if (lb) {
    out.push(`**Loopback, hilftp against its peers** (${lb.sizeMiB} MiB file on tmpfs, MiB/s = size / wall time of the client process, median of ${lb.reps})`, "");
    out.push("| transfer | hilftp | vsftpd | pure-ftpd | curl |", "|---|--:|--:|--:|--:|");
    for (const g of lb.groups) {
      const v = Object.fromEntries(g.bars.map((b) => [b.series, b.value]));
      out.push(`| ${g.label} MiB/s | ${fixed(v.hilftp)} | ${fixed(v.vsftpd)} | ${fixed(v["pure-ftpd"])} | ${fixed(v.curl)} |`);
    }
    if (lb.small) out.push(`| small files/s (${lb.files} × ${lb.fileKiB} KiB, ftplib) | ${fixed(lb.small.hilftp)} | ${fixed(lb.small.vsftpd)} | ${fixed(lb.small["pure-ftpd"])} | |`);
    if (lb.burstLoggedIn) out.push(`| burst of ${lb.sessions} logins: logged in | ${lb.burstLoggedIn.hilftp ?? "-"} | ${lb.burstLoggedIn.vsftpd ?? "-"} | ${lb.burstLoggedIn["pure-ftpd"] ?? "-"} | |`);
    if (lb.burstP95) out.push(`| burst: p95 login ms (of those logged in) | ${fixed(lb.burstP95.hilftp, 1)} | ${fixed(lb.burstP95.vsftpd, 1)} | ${fixed(lb.burstP95["pure-ftpd"], 1)} | |`);
    if (lb.burstRss) out.push(`| burst: RSS / PSS KiB per idle session | ${fixed(lb.burstRss.hilftp, 1)} / ${fixed(lb.burstPss.hilftp, 1)} | ${fixed(lb.burstRss.vsftpd, 1)} / ${fixed(lb.burstPss.vsftpd, 1)} | ${fixed(lb.burstRss["pure-ftpd"], 1)} / ${fixed(lb.burstPss["pure-ftpd"], 1)} | |`);
    out.push("");
  }
  const slip = slipRows(results);
  if (slip) {
    out.push("**SLIP codec** (MB per CPU second, median)", "", "| | ours | @serialport/parser-slip-encoder |", "|---|--:|--:|");
    for (const [what, ours, theirs] of slip) out.push(`| ${what} | ${fixed(ours)} | ${fixed(theirs)} |`);
    out.push("");
  }
  const failed = Object.entries(results.parts ?? {}).filter(([, p]) => p.error || p.skipped);
  for (const [name, p] of failed) out.push(`_${name}: ${p.skipped ? `skipped (${p.skipped})` : `failed (${p.error})`}_`, "");
  return out.join("\n");
}

/** The chart: serial-line rows against their limit, and the loopback comparison. */
export function chartSpec(results) {
  const line = lineRows(results);
  const manyBauds = new Set(line.map((r) => r.baud)).size > 1;
  const bauds = [...new Set(line.map((r) => r.baud))].join(", ");
  const paths = [...new Set(line.map((r) => r.path))];
  const panels = [];
  if (line.length) {
    panels.push({
      title: `Serial line${bauds ? ` at ${bauds} baud` : ""}: goodput against the physical limit`,
      note: [
        "Full scale = the UART's raw rate, baud/10 bytes/s. Grey = the limit: the file's share of the bytes on the wire",
        "(SLIP ENDs and escapes, IP and TCP headers), so the bar inside it shows how busy the line was.",
      ],
      axisLabel: "% of baud/10 bytes/s",
      max: 100,
      format: (v) => `${v}%`,
      ghostLabel: "physical limit",
      series: paths.map((p, i) => ({ key: p, name: LINE_PATHS[p]?.name ?? p, color: LINE_PATHS[p]?.color ?? PALETTE[(i + 4) % PALETTE.length] })),
      groups: line.map((r) => ({
        label: lineLabel(r, manyBauds),
        bars: [
          {
            series: r.path,
            value: (100 * r.goodput) / (r.baud / 10),
            ghost: (100 * r.limit) / (r.baud / 10),
            text: `${fixed(r.goodput)} B/s, ${pct(r.ofLimit)} of limit`,
          },
        ],
      })),
    });
  }
  const lb = loopback(results);
  if (lb?.groups.length) {
    panels.push({
      title: "Loopback: hilftp against vsftpd, pure-ftpd and curl",
      note: `${lb.sizeMiB} MiB file on tmpfs; MiB/s = size / wall time of the client process (start included), median of ${lb.reps}.`,
      axisLabel: "MiB/s",
      series: PEERS.map((p) => ({ key: p.key, name: p.key, color: p.color })),
      groups: lb.groups.map((g) => ({ ...g, bars: g.bars.map((b) => ({ ...b, text: `${fixed(b.value)} MiB/s` })) })),
    });
  }
  const u = results.parts?.tunnel?.results?.unshaped;
  const env = results.environment ?? {};
  return {
    title: "hilftp benchmarks",
    subtitle: `${(results.startedAt ?? "").slice(0, 16).replace("T", " ")} UTC · ${env.cpus ?? "?"} CPUs ${env.cpuModel ? `(${env.cpuModel.trim()})` : ""} · node ${env.node ?? "?"}${env.loadAverageAtStart ? ` · load ${env.loadAverageAtStart[0].toFixed(1)} at start` : ""}${results.options?.quick ? " · --quick (small sizes, 1 run)" : ""}`,
    panels,
    footer: [
      ...(u ? [`Unshaped tunnel (our two stacks, in-memory link, MTU 1500): ${fixed(u.gbitPerSecond, 2)} Gbit/s for ${sizeText(u.bytes)}.`] : []),
      "npm run bench (bench/all.mjs); every figure in bench/results/<timestamp>.json.",
    ],
  };
}
