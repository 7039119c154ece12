// The client commands and ping over the SLIP tunnel (--link, --board, --mtu, --pcap, --faults),
// against a stand-in board (our stack and server behind a unix socket); and serve over a tunnel.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../board/launch-test-support.js";
import { readPcap } from "../link/index.js";
import { parseIpPacket, parseTcp } from "../net/wire/index.js";
import { startStackBoard, type StackBoard } from "../testing/stack-board.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

const hilftp = (args: string[], timeoutMs = 60_000): Promise<CliResult> => runCli(args, {}, timeoutMs);

let dir: string;
let root: string;
let board: StackBoard;
let link: string;
const payload = randomBytes(200_000);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-cli-tunnel-"));
  root = join(dir, "board");
  await mkdir(root);
  await writeFile(join(dir, "payload.bin"), payload);
  const path = join(dir, "board.sock");
  board = await startStackBoard({ path, root, mtu: 1500 });
  link = `unix:${path}`;
});

afterAll(async () => {
  await board.close();
  await rm(dir, { recursive: true, force: true });
});

describe("client commands over the tunnel", () => {
  it("ping board answers (IPv4 and IPv6)", async () => {
    const r = await hilftp(["ping", "board", "--link", link, "-c", "2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 sent, 2 received, 0% loss/);
    const r6 = await hilftp(["ping", "2001:db8::2", "--link", link, "-c", "1"]);
    expect(r6.code, r6.stderr).toBe(0);
  });

  it("put, ls and get at MTU 296 with a pcap that keeps the limits", async () => {
    const pcap = join(dir, "mtu296.pcap");
    const put = await hilftp(["put", join(dir, "payload.bin"), "ftp://hil:hil@board/p.bin", "--link", link, "--mtu", "296", "--pcap", pcap]);
    expect(put.code, put.stderr).toBe(0);
    expect(sha(await readFile(join(root, "p.bin")))).toBe(sha(payload));
    const ls = await hilftp(["ls", "ftp://hil:hil@board/", "--link", link, "--mtu", "296"]);
    expect(ls.stdout).toMatch(/p\.bin/);
    const out = join(dir, "back.bin");
    const get = await hilftp(["get", "ftp://hil:hil@board/p.bin", "-o", out, "--link", link, "--mtu", "296", "--active"]);
    expect(get.code, get.stderr).toBe(0);
    expect(sha(await readFile(out))).toBe(sha(payload));
    const file = readPcap(await readFile(pcap));
    expect(file.ok).toBe(true);
    if (!file.ok) return;
    expect(file.file.records.length).toBeGreaterThan(100);
    for (const rec of file.file.records) {
      expect(rec.data.length).toBeLessThanOrEqual(296);
      const ip = parseIpPacket(rec.data);
      expect(ip.ok).toBe(true);
      if (!ip.ok) continue;
      // The host's own SYNs advertise the MSS the MTU allows (296 - 40); the board's are its business.
      const fromHost = ip.value.src.equals(Buffer.from([198, 51, 100, 1]));
      const tcp = parseTcp(ip.value.payload, ip.value.src, ip.value.dst);
      if (fromHost && tcp.ok && tcp.value.options.mss !== undefined) expect(tcp.value.options.mss).toBeLessThanOrEqual(256);
    }
  });

  it("a transfer with injected faults completes intact, and prints the seed", async () => {
    const out = join(dir, "faulty.bin");
    const r = await hilftp(["get", "ftp://hil:hil@board/p.bin", "-o", out, "--link", link, "--faults", "drop=0.02,corrupt=0.01,reorder=0.02,seed=7"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/seed 7/);
    expect(sha(await readFile(out))).toBe(sha(payload));
  });

  it("over a shaped line, get --json reports the share of the line's limit; -v shows the link events", async () => {
    await writeFile(join(root, "shaped.bin"), randomBytes(24_000));
    const out = join(dir, "shaped.back");
    const r = await hilftp(["get", "ftp://hil:hil@board/shaped.bin", "-o", out, "--link", link, "--baud", "115200", "--json", "-v"]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { bytes: number; line?: { baud: number; limit: number; ofLimit: number } };
    expect(result.bytes).toBe(24_000);
    expect(result.line?.baud).toBe(115200);
    expect(result.line?.limit).toBeGreaterThan(9000);
    expect(result.line?.limit).toBeLessThan(11520);
    expect(result.line?.ofLimit).toBeGreaterThan(0.3);
    expect(result.line?.ofLimit).toBeLessThan(1.05);
    expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \* link unix:\S+ open: MTU 1500/m);
    expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \* board 198\.51\.100\.2 answered ping/m);
    expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d\.\d{3} > RETR \/shaped\.bin$/m);
  });

  it("bad tunnel options give one line", async () => {
    const r = await hilftp(["ls", "ftp://board/", "--link", link, "--faults", "drop=3"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const m = await hilftp(["ls", "ftp://127.0.0.1/", "--mtu", "296"]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--board or --link/);
  });
});
