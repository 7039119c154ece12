// Progress for long transfers: a single self-rewriting line on a TTY (bytes, percent, rate,
// ETA), nothing when stderr is not a terminal, so logs and pipes stay clean.
import type { TransferProgress } from "../ftp/client/index.js";

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function progressLine(label: string, p: TransferProgress): string {
  const rate = p.elapsedMs > 0 ? (p.bytes * 1000) / p.elapsedMs : 0;
  const pct = p.total ? ` ${((100 * p.bytes) / p.total).toFixed(0).padStart(3)}%` : "";
  const eta = p.total && rate > 0 ? ` eta ${Math.max(0, Math.round((p.total - p.bytes) / rate))}s` : "";
  return `${label}${pct} ${formatBytes(p.bytes)}${p.total ? ` of ${formatBytes(p.total)}` : ""} at ${formatBytes(rate)}/s${eta}`;
}

/** A progress callback for the client, or undefined when stderr is not a TTY. */
export function ttyProgress(label: string, stream: NodeJS.WriteStream = process.stderr): ((p: TransferProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  return (p) => {
    const line = progressLine(label, p).slice(0, Math.max(20, (stream.columns ?? 80) - 1));
    stream.write(`\r\x1b[K${line}`);
  };
}

export function endProgress(stream: NodeJS.WriteStream = process.stderr): void {
  if (stream.isTTY) stream.write("\r\x1b[K");
}
