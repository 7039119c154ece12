// The kernel interop checks for one rig configuration (MTU, faults), shared by the clean and the
// faulty test files so vitest can run those two in parallel. Each configuration gets its own
// namespace, `hilftp tun`, our Stack + FtpServer and vsftpd (IPv4, plus IPv6 at MTU >= 1280),
// and checks, in order: ping both ways; lftp and curl in the namespace against our server;
// our client against vsftpd; passive and active; put and get, SHA-256 equal; a clean SIGTERM
// teardown of `hilftp tun`; and the pcap of it all read back with tshark.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FtpClient } from "../../ftp/client/index.js";
import type { FaultOptions } from "../../link/index.js";
import { makeRandomFile, run, sha256File, startVsftpd, type RunResult, type RunningPeer } from "../../testing/peers.js";
import { BOARD4, BOARD6, CLI, DEV, FTP_PASSWORD, FTP_PORT, FTP_USER, HOST4, HOST6, POOL_SEGMENTS, startRig, type Rig } from "./harness.js";
import { liveNamespaces } from "./netns.js";
import { checkPcap } from "./pcap-check.js";

export const MiB = 1024 * 1024;
/** Drop 2%, corrupt 1%, reorder 2%, both directions, on our side of the link. */
export const FAULTS: FaultOptions = { drop: 0.02, corrupt: 0.01, reorder: 0.02, seed: 7 };

export interface InteropConfig {
  readonly name: string;
  readonly mtu: number;
  /** Bytes of each transfer. */
  readonly size: number;
  readonly faults?: FaultOptions;
  /** See RigOptions.kernelRtoMinMs. */
  readonly kernelRtoMinMs?: number;
  /** Limit per transfer test (one put and one get). */
  readonly transferTimeoutMs: number;
}

type Fam = 4 | 6;
const families = (mtu: number): Fam[] => (mtu >= 1280 ? [4, 6] : [4]);
const boardHost = (f: Fam): string => (f === 4 ? BOARD4 : `[${BOARD6}]`);

export function preconditions(): void {
  describe("preconditions", () => {
    it("runs as root with the built CLI and the tools present", async () => {
      expect(process.getuid?.()).toBe(0);
      expect(existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true);
      for (const tool of ["socat", "ip", "ping", "lftp", "curl", "tshark", "/usr/sbin/vsftpd"]) {
        const r = await run("sh", ["-c", `command -v ${tool}`], { timeoutMs: 5_000 });
        expect(r.code, `${tool} not installed (scripts/test-deps.sh)`).toBe(0);
      }
    });
  });
}

export function cleanupCheck(): void {
  describe("cleanup", () => {
    it("left no namespace behind", async () => {
      expect(liveNamespaces()).toEqual([]);
      const r = await run("ip", ["netns", "list"], { timeoutMs: 10_000 });
      expect(r.stdout).not.toContain(`hilftp-${process.pid}-`);
    });
  });
}

export function kernelInteropSuite(config: InteropConfig): void {
  const { mtu, size } = config;
  const T = config.transferTimeoutMs;
  const tool = Math.max(10_000, T - 20_000); // a program's own limit, below the test's
  const label = config.faults ? "faults" : "clean";

  describe(`kernel interop, ${config.name}`, () => {
    let dir = "";
    let local = "";
    let rig: Rig;
    let vsftpd: Partial<Record<Fam, RunningPeer>> = {};
    let srcSum = "";
    const srcFile = (): string => join(local, "src.bin");
    const report = (r: RunResult): string =>
      `exit ${r.code}${r.timedOut ? " (timed out)" : ""}\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}\nhilftp tun stderr:\n${rig.tunStderr()}`;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "hilftp-kernel-"));
      local = join(dir, "local");
      await mkdir(local);
      srcSum = await makeRandomFile(srcFile(), size, mtu + (config.faults ? 1 : 0));
      rig = await startRig({
        mtu,
        dir,
        ...(config.faults ? { faults: config.faults } : {}),
        ...(config.kernelRtoMinMs !== undefined ? { kernelRtoMinMs: config.kernelRtoMinMs } : {}),
      });
      vsftpd = {};
      for (const f of families(mtu)) vsftpd[f] = await startVsftpd({ netns: rig.ns.name, listenAddress: f === 4 ? HOST4 : HOST6 });
    }, 60_000);

    afterAll(async () => {
      for (const peer of Object.values(vsftpd)) await peer?.stop();
      await rig?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 60_000);

    it(`ping from the namespace reaches our stack with full-size packets (${label})`, async () => {
      for (const f of families(mtu)) {
        // -M do: no fragmentation, so a reply proves a frame of exactly the MTU crossed both ways
        const payload = mtu - (f === 4 ? 28 : 48);
        const args = [`-${f}`, "-c", "3", "-i", "0.2", "-W", "2", "-M", "do", "-s", String(payload), f === 4 ? BOARD4 : BOARD6];
        const r = await rig.ns.exec("ping", args, { timeoutMs: 20_000 });
        expect(r.code, report(r)).toBe(0);
        const received = Number(/(\d+) received/.exec(r.stdout)?.[1] ?? "0");
        // under faults an echo or its reply may be lost; a clean link loses none
        if (config.faults) expect(received, report(r)).toBeGreaterThanOrEqual(1);
        else expect(received, report(r)).toBe(3);
        expect(r.stdout).toContain(`${payload + 8} bytes from`);
      }
      expect(rig.stack.counters.icmpEchoRequests).toBeGreaterThanOrEqual(1);
    }, 60_000);

    it(`our stack pings the kernel (${label})`, async () => {
      for (const f of families(mtu)) {
        const target = f === 4 ? HOST4 : HOST6;
        let rtt: number | undefined;
        // bounded retries: under faults an echo or its reply may be lost
        for (let i = 0; i < 5 && rtt === undefined; i++) rtt = await rig.stack.ping(target, { timeoutMs: 2000, size: 100 }).catch(() => undefined);
        expect(rtt, `no echo reply from ${target}`).toBeGreaterThanOrEqual(0);
      }
    }, 60_000);

    for (const f of families(mtu)) {
      for (const passive of [true, false]) {
        const mode = passive ? "passive" : "active";
        const what = `IPv${f} ${mode}, ${size / MiB} MiB each way (${label})`;

        it(`lftp in the namespace against our server, ${what}`, async () => {
          const name = `lftp-${f}-${mode}.bin`;
          const back = join(local, `${name}.back`);
          const script = [
            "set net:max-retries 1",
            "set net:timeout 30",
            "set cmd:fail-exit yes",
            "set ftp:ssl-allow no",
            "set xfer:clobber yes",
            `set ftp:passive-mode ${passive ? "on" : "off"}`,
            `open -u ${FTP_USER},${FTP_PASSWORD} ftp://${boardHost(f)}:${FTP_PORT}`,
            `put ${srcFile()} -o ${name}`,
            `get ${name} -o ${back}`,
          ].join("; ");
          const r = await rig.ns.exec("lftp", ["-c", script], { timeoutMs: tool, cwd: local });
          expect(r.code, report(r)).toBe(0);
          expect(await sha256File(join(rig.serverRoot, name))).toBe(srcSum);
          expect(await sha256File(back)).toBe(srcSum);
        }, T);

        it(`curl in the namespace against our server, ${what}`, async () => {
          const name = `curl-${f}-${mode}.bin`;
          const back = join(local, `${name}.back`);
          const url = `ftp://${boardHost(f)}:${FTP_PORT}/${name}`;
          const seconds = String(Math.floor(tool / 2000));
          const base = ["-sS", "-g", "--connect-timeout", "20", "--max-time", seconds, "-u", `${FTP_USER}:${FTP_PASSWORD}`];
          const modeArgs = passive ? ["--ftp-pasv"] : ["-P", "-"];
          const up = await rig.ns.exec("curl", [...base, ...modeArgs, "-T", srcFile(), url], { timeoutMs: tool / 2 });
          expect(up.code, report(up)).toBe(0);
          expect(await sha256File(join(rig.serverRoot, name))).toBe(srcSum);
          const down = await rig.ns.exec("curl", [...base, ...modeArgs, "-o", back, url], { timeoutMs: tool / 2 });
          expect(down.code, report(down)).toBe(0);
          expect(await sha256File(back)).toBe(srcSum);
        }, T);

        it(`our client on our stack against vsftpd in the namespace, ${what}`, async () => {
          const peer = vsftpd[f]!;
          const name = `ours-${f}-${mode}.bin`;
          const copied = await run("cp", [srcFile(), join(peer.root, `${name}.src`)]);
          expect(copied.code).toBe(0);
          const client = await FtpClient.connect({
            network: rig.network,
            host: f === 4 ? HOST4 : HOST6,
            port: peer.port,
            user: peer.user,
            password: peer.password,
            passive,
            timeoutMs: 60_000,
            dataTimeoutMs: 60_000,
          });
          try {
            const back = join(local, `${name}.back`);
            await client.download(`${peer.writableDir}/${name}.src`, back);
            expect(await sha256File(back)).toBe(srcSum);
            await client.upload(srcFile(), `${peer.writableDir}/${name}`);
            expect(await sha256File(join(peer.root, name))).toBe(srcSum);
            await client.quit();
          } finally {
            client.close();
          }
        }, T);
      }
    }

    if (config.faults) {
      it("the faults really happened: frames dropped, corrupted and reordered, bad checksums seen", () => {
        const s = rig.linkStats();
        expect(s.dropped).toBeGreaterThan(0);
        expect(s.corrupted).toBeGreaterThan(0);
        expect(s.reordered).toBeGreaterThan(0);
        expect(rig.stack.counters.badChecksum).toBeGreaterThan(0);
      });
    }

    it(`SIGTERM stops hilftp tun, and socat and ${DEV} go with it (${label})`, async () => {
      for (const peer of Object.values(vsftpd)) await peer?.stop();
      vsftpd = {};
      const code = await rig.stopTun();
      expect(code, rig.tunStderr()).toBe(0);
      expect(rig.tunStderr()).toMatch(new RegExp(`${DEV} down: \\d+ packets to the link, \\d+ from it`));
      expect(await rig.ns.pids()).toEqual([]);
      const link = await run("ip", ["-n", rig.ns.name, "link", "show", "dev", DEV], { timeoutMs: 10_000 });
      expect(link.code).not.toBe(0);
    }, 60_000);

    it(`the pcap opens in tshark: no frame over MTU ${mtu}, every SYN's MSS clamped, in flight within the pool (${label})`, async () => {
      await rig.close(); // completes the pcap
      const result = await checkPcap(rig.pcapPath, mtu);
      expect(result.frames).toBeGreaterThan(1000);
      expect(result.oversize).toEqual([]);
      expect(result.largest).toBe(mtu); // full-size frames did flow, none larger
      expect(result.badMss).toEqual([]);
      // Reached and never passed: the pool, not the kernel's window, was what held our sending.
      expect(result.maxOursInFlight).toBe(POOL_SEGMENTS);
      for (const f of families(mtu)) {
        expect(result.synsChecked[f].ours, `IPv${f} SYNs from our stack`).toBeGreaterThan(0);
        expect(result.synsChecked[f].kernel, `IPv${f} SYNs from the kernel`).toBeGreaterThan(0);
      }
    }, 180_000);
  });
}
