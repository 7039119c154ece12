// Packet codec throughput: build an IP+TCP data packet (one allocation, both checksums) and parse it back
// (IP, TCP, checksum verified), as the SLIP stack does for every full-sized segment. The stack's goal is
// 1 Gbit/s at MTU 1500 in one Node thread (~85k packets/s each way), so this has to be several times that.
// Usage: npm run build && node bench/wire-packet.mjs [--json]
// HILFTP_DIST=/other/dist overrides where the compiled modules are read from.
const dist = process.env.HILFTP_DIST ? new URL(`file://${process.env.HILFTP_DIST.replace(/\/?$/, "/")}`) : new URL("../dist/", import.meta.url);
const wire = await import(new URL("net/wire/index.js", dist).href);

const v4 = { src: wire.parseIp("198.51.100.1").bytes, dst: wire.parseIp("198.51.100.2").bytes };
const v6 = { src: wire.parseIp("2001:db8::1").bytes, dst: wire.parseIp("2001:db8::2").bytes };

function run(label, family, mtu, timestamps, reuse = false, ms = 600) {
  const addresses = family === 4 ? v4 : v6;
  const options = timestamps ? { timestamp: [1, 2] } : undefined;
  const payloadLength = mtu - wire.ipTcpPacketLength(family, options, 0);
  const payload = Buffer.alloc(payloadLength, 0x5a);
  let seq = 1;
  const scratch = Buffer.alloc(mtu);
  const once = () => {
    const init = { src: addresses.src, dst: addresses.dst, tcp: { srcPort: 20, dstPort: 40000, seq, ack: 1, flags: 0x18, window: 65535, options, payload } };
    const packet = reuse ? scratch.subarray(0, wire.writeIpTcpPacket(scratch, 0, init)) : wire.buildIpTcpPacket(init);
    seq = (seq + payloadLength) >>> 0;
    const ip = wire.parseIpPacket(packet);
    if (!ip.ok) throw new Error(ip.error);
    const tcp = wire.parseTcp(ip.value.payload, ip.value.src, ip.value.dst);
    if (!tcp.ok) throw new Error(tcp.error);
    return tcp.value.payload.length;
  };
  for (let i = 0; i < 100_000; i++) once(); // warm-up: let the JIT and the heap settle
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let packets = 0;
  let bytes = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 1000; i++) bytes += once();
    packets += 1000;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return {
    label,
    mtu,
    payloadBytes: payloadLength,
    packetsPerSecond: Math.round(packets / seconds),
    payloadGbitPerSecond: Number(((bytes * 8) / seconds / 1e9).toFixed(2)),
    nsPerPacket: Math.round((seconds * 1e9) / packets),
    cpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100),
  };
}

// Each configuration runs in a fresh process: sharing one JIT between IPv4 and IPv6, or allocated and reused
// buffers, makes the call sites polymorphic and measures the benchmark instead of the codec.
const configs = [
  ["IPv4 build+parse", 4, 1500, true, false],
  ["IPv4 build+parse, no options", 4, 1500, false, false],
  ["IPv6 build+parse", 6, 1500, true, false],
  ["IPv4 build+parse", 4, 296, true, false],
  ["IPv4 write(reused)+parse", 4, 1500, true, true],
  ["IPv6 write(reused)+parse", 6, 1500, true, true],
];
const one = process.argv.indexOf("--one");
if (one >= 0) {
  const config = configs[Number(process.argv[one + 1])];
  console.log(JSON.stringify(run(...config)));
  process.exit(0);
}
const { execFileSync } = await import("node:child_process");
const { fileURLToPath } = await import("node:url");
const rows = configs.map((_, i) =>
  JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--one", String(i)], { encoding: "utf8", timeout: 60_000 })),
);
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ bench: "wire-packet", node: process.version, rows }, null, 2));
} else {
  console.log(`node ${process.version} (one build + one full parse per packet)`);
  for (const r of rows) {
    console.log(`${r.label.padEnd(28)} MTU ${String(r.mtu).padStart(4)}  ${String(r.packetsPerSecond).padStart(8)} packets/s  ${String(r.payloadGbitPerSecond).padStart(5)} Gbit/s payload  ${String(r.nsPerPacket).padStart(5)} ns/packet  CPU ${r.cpuPercent}%`);
  }
}
