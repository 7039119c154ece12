// Small shared helpers of the benchmark driver: medians and ratios, number formatting, the
// plain-text tables it prints, and its log lines on stderr.
export const MIB = 1024 * 1024;

export const median = (values) => {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
export const ratio = (a, b) => (typeof a === "number" && typeof b === "number" && b !== 0 ? a / b : undefined);
export const fmt = (value, digits = 2) => (typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : "-");
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function table(title, headers, rows) {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c ?? "-")))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const out = [`\n${title}`, line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)];
  process.stdout.write(`${out.join("\n")}\n`);
}

export function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}
