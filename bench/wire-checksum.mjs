// Internet checksum throughput (src/net/wire/checksum.ts), against the obvious 16-bit-at-a-time loop so the
// figure says what the 32-bit aligned reads buy. Every packet in and out of the SLIP stack is summed once
// (IPv4 header + TCP segment), so at MTU 1500 the checksum must run far above 1 Gbit/s per direction.
// Usage: npm run build && node bench/wire-checksum.mjs [--json]
// HILFTP_DIST=/other/dist overrides where the compiled modules are read from.
const dist = process.env.HILFTP_DIST ? new URL(`file://${process.env.HILFTP_DIST.replace(/\/?$/, "/")}`) : new URL("../dist/", import.meta.url);
const { internetChecksum } = await import(new URL("net/wire/checksum.js", dist).href);

function naive(buf) {
  let sum = 0;
  const n = buf.length;
  let i = 0;
  for (; i + 1 < n; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < n) sum += buf[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Runs fn over views of `size` bytes at `offset` for about `ms` milliseconds; returns MB/s and ns per call. */
function measure(fn, size, offset, ms = 400) {
  const backing = Buffer.alloc(size + 64);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 131 + 7) & 0xff;
  // Several distinct views so the call site sees what the stack sees: a new Buffer each time.
  const views = Array.from({ length: 16 }, (_, k) => backing.subarray(offset + (k % 2) * 4, offset + (k % 2) * 4 + size));
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink ^= fn(views[i & 15]); // warm-up: let the JIT settle
  let calls = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 1000; i++) sink ^= fn(views[i & 15]);
    calls += 1000;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  return { mbPerSecond: (calls * size) / seconds / 1e6, nsPerCall: (seconds * 1e9) / calls, sink };
}

const rows = [];
for (const size of [40, 576, 1500, 65536]) {
  for (const offset of [0, 1]) {
    const fast = measure(internetChecksum, size, offset);
    const slow = measure(naive, size, offset);
    rows.push({ size, offset, fastMBps: Math.round(fast.mbPerSecond), naiveMBps: Math.round(slow.mbPerSecond), fastNs: Math.round(fast.nsPerCall) });
  }
}
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ bench: "wire-checksum", node: process.version, rows }, null, 2));
} else {
  console.log(`node ${process.version}`);
  console.log("bytes  offset  checksum MB/s  naive MB/s  ns/call");
  for (const r of rows) {
    console.log(`${String(r.size).padStart(5)}  ${String(r.offset).padStart(6)}  ${String(r.fastMBps).padStart(13)}  ${String(r.naiveMBps).padStart(10)}  ${String(r.fastNs).padStart(7)}`);
  }
}
