// The hardware-in-the-loop suite, one for every board (issue 4): the board from the fixture
// (src/testing), then ping, the board's FTP server against our client (login, every seed flow in
// both modes and both IP versions where the MTU allows, directory commands, hash-checked transfers
// up to the RAM fs size, a full fs, the verbs NetX lacks), the board's FTP client against our
// server through the test agent, the session limit, the pool low-water mark, a reboot
// mid-transfer, and what the pcap proves about the host. Sizes come from the caller so QEMU's
// ~20 KB/s into the MCU stays within budget. Tests run in order and share the board.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { AgentError, type AgentClient, type TransferMode } from "../src/board/agent-client.js";
import { FtpError, type FtpClient } from "../src/ftp/client/index.js";
import { FtpServer } from "../src/ftp/server/index.js";
import { TCP_FLAGS } from "../src/net/wire/index.js";
import { useBoard } from "../src/testing/use-board.js";
import type { Board } from "../src/testing/board.js";
import { agentContent, downloadBuffer, expandV6, profileSync, RawFtp, sha256, tcpSegments, testData, uploadBuffer } from "./support.js";

export interface HilSizes {
  /** Bytes each seed flow (RETR/STOR) moves. */
  readonly flow: number;
  /** Hash-checked round trips; one as large as the free RAM fs is always added. */
  readonly transfers: readonly number[];
  /** Bytes the board's FTP client moves per GET/PUT. */
  readonly deviceClient: number;
  /** The file being downloaded when the board reboots: more than the host buffers (16 KiB + window). */
  readonly reboot: number;
  /** Per-test limit, ms. */
  readonly testTimeoutMs: number;
}

export const NATIVE_SIZES: HilSizes = {
  flow: 20_000,
  transfers: [0, 1, 1459, 1460, 1461, 65_536],
  deviceClient: 100_000,
  reboot: 200_000,
  testTimeoutMs: 60_000,
};

/** About 20 KB/s into the MCU under QEMU: small files, generous limits. */
export const QEMU_SIZES: HilSizes = {
  flow: 3_000,
  transfers: [0, 1, 535, 536, 537, 4_096],
  deviceClient: 6_000,
  reboot: 24_000,
  testTimeoutMs: 120_000,
};

export interface HilSuiteOptions {
  /** Profile name or .json path (HIL_BOARD / native-sim when omitted). */
  readonly board?: string;
  /** Link spec (HIL_LINK / the profile's when omitted). */
  readonly link?: string;
  /** Run the native target behind a pty and attach with serial: (native-sim only). */
  readonly serialPty?: boolean;
  readonly sizes: HilSizes;
  /** Suite title suffix. */
  readonly title?: string;
}

const NOT_IMPLEMENTED = ["SIZE a.bin", "REST 100", "FEAT", "ABOR", "MDTM a.bin", "SYST", "STAT", "HELP", "SITE CHMOD 644 a.bin", "OPTS UTF8 ON", "MLSD", "APPE a.bin", "STRU F", "ALLO 100", "XPWD"];
const HOST_FTP_PORT = 2121;
/** From the host's window update to the client's error: a round trip or two, even under QEMU. */
const REBOOT_FAIL_MS = 5000;
const HOST_USER = "dev";
const HOST_PASS = "devpw";

export function hilSuite(options: HilSuiteOptions): void {
  const boardName = options.board ?? process.env.HIL_BOARD?.trim() ?? "native-sim";
  const profile = profileSync(boardName || "native-sim");
  const v6 = profile.mtu >= 1280 && profile.addresses.hostIpv6 !== undefined && profile.addresses.boardIpv6 !== undefined;
  const families: readonly (4 | 6)[] = v6 ? [4, 6] : [4];
  const modes: readonly TransferMode[] = ["passive", "active"];
  const sizes = options.sizes;
  const T = sizes.testTimeoutMs;

  describe(`hil ${profile.name}${options.title ? ` (${options.title})` : ""}`, () => {
    const dut = useBoard({
      board: boardName,
      ...(options.link !== undefined ? { link: options.link } : {}),
      ...(options.serialPty ? { serialPty: true } : {}),
      agent: "required",
    });
    const agent = (): AgentClient => {
      const a = dut().agent;
      if (!a) throw new Error("no agent");
      return a;
    };
    /** Opens, runs, and always closes a client (QUIT when the session still stands). */
    const withFtp = async <R>(o: Parameters<Board["ftp"]>[0], work: (c: FtpClient) => Promise<R>): Promise<R> => {
      const c = await dut().ftp({ timeoutMs: T / 2, ...o });
      try {
        const r = await work(c);
        await c.quit();
        return r;
      } finally {
        c.close();
      }
    };

    beforeAll(async () => {
      // A board keeps its files like flash: start from an empty fs and fresh counters.
      await agent().format();
      await agent().resetCounters();
    }, T);

    describe("link", () => {
      if (options.serialPty) {
        it("runs over a serial: link on a pseudo-terminal", () => {
          expect(dut().link).toMatch(new RegExp(`^serial:/dev/pts/\\d+@${profile.link.baud}$`));
        });
      }
      it("answers ping over IPv4", async () => {
        expect(await dut().ping(4)).toBeGreaterThanOrEqual(0);
      });
      if (v6) {
        it("answers ping over IPv6 (MTU >= 1280)", async () => {
          expect(dut().boardAddress.v6).toBeDefined();
          expect(await dut().ping(6)).toBeGreaterThanOrEqual(0);
        });
      } else {
        it("carries no IPv6 below MTU 1280, and the board says so", async () => {
          expect(dut().boardAddress.v6).toBeUndefined();
          expect(dut().tunnel.stack.addresses(6)).toBeUndefined();
          expect(dut().limits.ipv6Reason).toMatch(/1280/);
          expect(dut().hello?.ipv6).toBe(false);
        });
      }
      it("HELLO names the profile's board and sizes", () => {
        const h = dut().hello!;
        expect({ board: h.board, mtu: h.mtu, pool: h.pool, mss: h.mss, window: h.window }).toEqual({
          board: profile.name,
          mtu: profile.mtu,
          pool: { count: profile.pool.count, payloadSize: profile.pool.payloadSize },
          mss: profile.tcp.mss,
          window: profile.tcp.window,
        });
        expect(h.fs).toBeGreaterThan(0);
        expect(h.sessions).toBe(4);
      });
    });

    describe("host client -> board FTP server: login", () => {
      it("logs in with the profile's user", async () => {
        await withFtp({}, async (c) => {
          expect((await c.send("NOOP")).code).toBe(200);
          expect(await c.pwd()).toBe("/");
        });
      }, T);
      it("refuses a wrong password with 530, and commands before login with 530", async () => {
        const err = await dut().ftp({ password: "wrong-password" }).then(
          (c) => {
            c.close();
            return undefined;
          },
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(FtpError);
        expect((err as FtpError).code).toBe(530);
        const raw = await RawFtp.connect(dut().network, dut().boardAddress.v4, profile.ftp.port, T / 4);
        try {
          expect((await raw.next(T / 4)).code).toBe(220);
          expect(await raw.cmd("PWD", T / 4)).toMatchObject({ code: 530 });
          expect(await raw.cmd("USER nobody", T / 4)).toMatchObject({ code: 331 });
          expect(await raw.cmd("PASS nothing", T / 4)).toMatchObject({ code: 530 });
          expect(await raw.cmd(`USER ${profile.ftp.user}`, T / 4)).toMatchObject({ code: 331 });
          expect(await raw.cmd(`PASS ${profile.ftp.password}`, T / 4)).toMatchObject({ code: 230 });
          expect(await raw.cmd("QUIT", T / 4)).toMatchObject({ code: 221 });
        } finally {
          raw.close();
        }
      }, T);
    });

    describe("host client -> board FTP server: seed flows", () => {
      for (const family of families) {
        for (const mode of modes) {
          const tag = `v${family}-${mode}`;
          const ftp = { family, passive: mode === "passive" } as const;
          it(`STOR over IPv${family}, ${mode}: the board's copy hashes equal`, async () => {
            const data = testData(sizes.flow, family * 10 + (mode === "passive" ? 1 : 2));
            await withFtp(ftp, (c) => uploadBuffer(c, data, `/stor-${tag}.bin`));
            expect(await agent().hash(`/stor-${tag}.bin`)).toEqual({ bytes: data.length, sha256: sha256(data) });
            await agent().rm(`/stor-${tag}.bin`);
          }, T);
          it(`RETR over IPv${family}, ${mode}: the bytes the board made`, async () => {
            const made = await agent().mkfile(`/retr-${tag}.bin`, sizes.flow, family * 100 + 7);
            expect(made.sha256).toBe(sha256(agentContent(sizes.flow, family * 100 + 7)));
            const got = await withFtp(ftp, (c) => downloadBuffer(c, `/retr-${tag}.bin`));
            expect({ bytes: got.length, sha256: sha256(got) }).toEqual(made);
            await agent().rm(`/retr-${tag}.bin`);
          }, T);
          it(`LIST and NLST over IPv${family}, ${mode}`, async () => {
            const dir = `/ls-${tag}`;
            await agent().mkdir(dir);
            await agent().mkfile(`${dir}/one.txt`, 28, 1);
            await agent().mkfile(`${dir}/two.bin`, 1000, 2);
            await agent().mkdir(`${dir}/sub`);
            const { list, nlst } = await withFtp(ftp, async (c) => ({ list: await c.list(dir), nlst: await c.nlst(dir) }));
            const entries = list.map((e) => [e.name, e.type, e.type === "file" ? e.size : 0]);
            expect(entries).toEqual(expect.arrayContaining([["one.txt", "file", 28], ["two.bin", "file", 1000], ["sub", "dir", 0]]));
            expect(list.filter((e) => e.name !== "." && e.name !== "..")).toHaveLength(3);
            expect([...nlst].sort()).toEqual([".", "..", "one.txt", "sub", "two.bin"]);
            await agent().rm(`${dir}/one.txt`);
            await agent().rm(`${dir}/two.bin`);
            await agent().rm(`${dir}/sub`);
            await agent().rm(dir);
          }, T);
        }
      }
    });

    describe("host client -> board FTP server: directories and names", () => {
      it("MKD answers 200 (NetX), CWD 250, PWD 257, RNFR 350, RNTO 250, DELE 250, RMD 250", async () => {
        await withFtp({}, async (c) => {
          const mkd = await c.send("MKD /dir1");
          expect(mkd.code).toBe(200);
          expect(mkd.text).toMatch(/^"\/dir1" Directory Created/);
          expect((await c.send("CWD /dir1")).code).toBe(250);
          const pwd = await c.send("PWD");
          expect(pwd.code).toBe(257);
          expect(pwd.text).toMatch(/^"\/dir1"/);
          await uploadBuffer(c, Buffer.from("rename me\n"), "a.txt");
          expect((await c.send("RNFR a.txt")).code).toBe(350);
          expect((await c.send("RNTO b.txt")).code).toBe(250);
          expect(await c.nlst()).toEqual(expect.arrayContaining(["b.txt"]));
          expect(await c.nlst()).not.toContain("a.txt");
          expect((await c.send("RNFR a.txt")).code).toBe(550);
          expect((await c.send("RMD /dir1")).code).toBe(550);
          expect((await c.send("DELE b.txt")).code).toBe(250);
          expect((await c.send("DELE b.txt")).code).toBe(550);
          expect((await c.send("CDUP")).code).toBe(250);
          expect(await c.pwd()).toBe("/");
          expect((await c.send("RMD /dir1")).code).toBe(250);
          expect((await c.send("CWD /dir1")).code).toBe(550);
        });
        expect((await agent().files()).entries).toEqual([]);
      }, T);
      it("answers 502 to every verb the NetX server lacks, and stays usable", async () => {
        await withFtp({}, async (c) => {
          for (const line of NOT_IMPLEMENTED) {
            const r = await c.send(line);
            expect([line, r.code, r.text.trim()]).toEqual([line, 502, "Not Implemented"]);
          }
          expect((await c.send("NOOP")).code).toBe(200);
        });
      }, T);
    });

    describe("host client -> board FTP server: transfers up to the fs size", () => {
      for (const size of sizes.transfers) {
        it(`${size} bytes round trip, hash-checked on both sides`, async () => {
          await roundTrip(size, size + 1);
        }, T);
      }
      it("a file as large as the free RAM fs, then a full fs refuses STOR with 550", async () => {
        // Every earlier test cleaned up: the whole RAM fs (HELLO's fs=) is free.
        const files = await agent().files();
        expect(files.entries).toEqual([]);
        const free = files.free;
        expect(free).toBe(dut().hello!.fs);
        await roundTrip(free, 99, false);
        expect((await agent().files()).free).toBe(0);
        const before = (await dut().counters()).device!;
        const err = await withFtp({}, (c) => uploadBuffer(c, testData(1024, 5), "/overflow.bin")).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(FtpError);
        expect([(err as FtpError).code, (err as FtpError).text.trim()]).toEqual([550, "File Write Failed"]);
        expect((await dut().counters()).device!.ftp_no_space).toBe(before.ftp_no_space! + 1);
        // the board is still whole: the big file is intact
        expect((await agent().hash("/rt-99.bin")).bytes).toBe(free);
        await agent().rm("/overflow.bin").catch((e: unknown) => expect((e as AgentError).code).toBe(404));
        await agent().rm("/rt-99.bin");
      }, T * 2);
    });

    async function roundTrip(size: number, seed: number, remove = true): Promise<void> {
      const data = testData(size, seed);
      const name = `/rt-${seed}.bin`;
      await withFtp({}, (c) => uploadBuffer(c, data, name));
      expect(await agent().hash(name)).toEqual({ bytes: size, sha256: sha256(data) });
      const back = await withFtp({ passive: false }, (c) => downloadBuffer(c, name));
      expect(back.length).toBe(size);
      expect(sha256(back)).toBe(sha256(data));
      if (remove) await agent().rm(name);
    }

    describe("board FTP client -> host FTP server (through the agent)", () => {
      let root = "";
      let server: FtpServer | undefined;
      beforeAll(async () => {
        root = await mkdtemp(join(tmpdir(), "hil-host-ftp-"));
        server = new FtpServer({ network: dut().network, host: "::", port: HOST_FTP_PORT, root, users: { [HOST_USER]: HOST_PASS }, loginFailDelayMs: 0 });
        await server.listen();
      }, T);
      afterAll(async () => {
        await server?.close();
        await rm(root, { recursive: true, force: true });
      });
      for (const family of families) {
        for (const mode of modes) {
          const host = family === 4 ? "host" : "host6";
          const base = { host, port: HOST_FTP_PORT, user: HOST_USER, password: HOST_PASS, mode } as const;
          const tag = `v${family}-${mode}`;
          it(`GET, PUT and LS over IPv${family}, ${mode}: hashes equal`, async () => {
            const data = testData(sizes.deviceClient, family * 3 + (mode === "active" ? 1 : 0));
            await writeFile(join(root, `down-${tag}.bin`), data);
            const got = await agent().get({ ...base, remote: `down-${tag}.bin`, local: `/got-${tag}.bin` }, { timeoutMs: T / 2 });
            expect({ bytes: got.bytes, sha256: got.sha256 }).toEqual({ bytes: data.length, sha256: sha256(data) });
            expect(await agent().hash(`/got-${tag}.bin`)).toEqual({ bytes: data.length, sha256: sha256(data) });

            const made = await agent().mkfile(`/put-${tag}.bin`, sizes.deviceClient, family * 7 + 1);
            const put = await agent().put({ ...base, remote: `up-${tag}.bin`, local: `/put-${tag}.bin` }, { timeoutMs: T / 2 });
            expect({ bytes: put.bytes, sha256: put.sha256 }).toEqual(made);
            expect(sha256(await readFile(join(root, `up-${tag}.bin`)))).toBe(made.sha256);

            const ls = await agent().ls(base, undefined, { timeoutMs: T / 2 });
            expect([...ls.names].sort()).toEqual((await readdir(root)).sort());
            expect(ls.truncated).toBe(false);
            await agent().rm(`/got-${tag}.bin`);
            await agent().rm(`/put-${tag}.bin`);
          }, T);
        }
      }
      it("a refused login comes back as ERR 502 naming the step", async () => {
        const err = await agent()
          .ls({ host: "host", port: HOST_FTP_PORT, user: HOST_USER, password: "wrong", mode: "passive" }, undefined, { timeoutMs: T / 2 })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(AgentError);
        expect((err as AgentError).code).toBe(502);
        expect((err as AgentError).text).toMatch(/530/);
      }, T);
    });

    describe("sessions", () => {
      it("serves 4 sessions at once; a 5th waits for its 220 until one of the 4 quits", async () => {
        const board = dut();
        const four: FtpClient[] = [];
        let fifth: RawFtp | undefined;
        try {
          for (let i = 0; i < 4; i++) four.push(await board.ftp({ timeoutMs: T / 2 }));
          let early: RawFtp | undefined;
          const connecting = RawFtp.connect(board.network, board.boardAddress.v4, profile.ftp.port, T / 2);
          connecting.then((r) => (early = r)).catch(() => undefined);
          // Round trips on all four: the board has read and answered newer input than the 5th's SYN.
          for (const c of four) expect((await c.send("NOOP")).code).toBe(200);
          expect((await board.counters()).device!.ftp_sessions).toBe(4);
          expect(early?.received ?? 0).toBe(0);
          let quitDone = false;
          await four.shift()!.quit();
          quitDone = true;
          fifth = await connecting;
          const greeting = await fifth.next(T / 2);
          expect([greeting.code, quitDone]).toEqual([220, true]);
          expect((await fifth.cmd(`USER ${profile.ftp.user}`, T / 4)).code).toBe(331);
          expect((await fifth.cmd(`PASS ${profile.ftp.password}`, T / 4)).code).toBe(230);
          expect((await fifth.cmd("QUIT", T / 4)).code).toBe(221);
          expect((await board.counters()).device!.ftp_sessions_peak).toBe(4);
        } finally {
          fifth?.close();
          for (const c of four) {
            await c.quit();
            c.close();
          }
        }
      }, T);
    });

    describe("device limits", () => {
      it("the board's pool never ran dry because of the host (low-water mark > 0, no allocation failures)", async () => {
        const d = (await dut().counters()).device!;
        console.log(`hil ${profile.name}: pool low-water ${d.pool_low_water}/${profile.pool.count}, retransmits ${d.tcp_retransmits}, sessions peak ${d.ftp_sessions_peak}`);
        expect({ low: d.pool_low_water! > 0, fail: d.pool_alloc_failures, noBuf: d.rx_no_buffer, oversize: d.slip_oversize }).toEqual({
          low: true,
          fail: 0,
          noBuf: 0,
          oversize: 0,
        });
      });
    });

    describe("reboot", () => {
      it("a reboot mid-transfer fails the transfer clearly, and the next session works", async () => {
        const board = dut();
        const made = await agent().mkfile("/reboot.bin", sizes.reboot, 42);
        expect((await agent().counters()).agent_requests).toBeGreaterThan(2);
        // The board forgets both connections without a word. The client learns of the data one from
        // the RST its window update gets, then probes the control one (a keep-alive, answered RST):
        // it must fail at once, far inside its 30 s control timeout.
        const client = await board.ftp({ timeoutMs: 30_000 });
        let release: () => void = () => undefined;
        let firstChunk: () => void = () => undefined;
        const started = new Promise<void>((r) => (firstChunk = r));
        const held = new Promise<void>((r) => (release = r));
        let got = 0;
        // The sink holds its first chunk and buffers nothing more: the host's window closes and the
        // board is stuck mid-file (sizes.reboot > the socket's 16 KiB buffer + window).
        const sink = new Writable({
          highWaterMark: 1,
          write(chunk: Buffer, _e, done) {
            got += chunk.length;
            firstChunk();
            void held.then(() => done());
          },
        });
        const transfer = client.download("/reboot.bin", sink).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        try {
          await started;
          await agent().reboot();
          await waitForReboot(board, T / 2);
          const released = performance.now();
          release();
          const err = await transfer;
          expect(performance.now() - released).toBeLessThan(REBOOT_FAIL_MS);
          expect(got).toBeLessThan(sizes.reboot);
          expect(err).toBeInstanceOf(Error);
          // Which connection meets the rebooted board first depends on the host's timers.
          expect(err!.message).toMatch(/^RETR \/reboot\.bin: the server reset the (data|control) connection after \d+ bytes.*: it lost the session \(did the board restart\?\)$/);
        } finally {
          release();
          client.close();
        }
        await board.reconnect();
        const back = await withFtp({}, (c) => downloadBuffer(c, "/reboot.bin"));
        expect({ bytes: back.length, sha256: sha256(back) }).toEqual(made);
        await agent().rm("/reboot.bin");
      }, T * 2);
    });

    describe("pcap", () => {
      it("shows no frame over the MTU, and one CRLF-terminated FTP command per host->board control segment", async () => {
        const board = dut();
        const pcap = await board.pcap();
        expect(pcap.records.length).toBeGreaterThan(100);
        const over = pcap.records.filter((r) => r.originalLength > profile.mtu);
        expect(over).toEqual([]);
        const host = new Set([board.hostAddress.v4, ...(board.hostAddress.v6 ? [expandV6(board.hostAddress.v6)] : [])]);
        const control = tcpSegments(pcap, (src) => host.has(src)).filter((s) => s.dstPort === profile.ftp.port && s.payload.length > 0);
        expect(control.length).toBeGreaterThan(50);
        const bad = control
          .filter((s) => !/^[^\r\n]+\r\n$/.test(s.payload.toString("latin1")))
          .map((s) => `port ${s.srcPort} seq ${s.seq}: ${JSON.stringify(s.payload.toString("latin1"))}`);
        expect(bad).toEqual([]);
        const v6seen = control.some((s) => s.family === 6);
        expect(v6seen).toBe(v6);
        // Every SYN the host sent offered an MSS that fits the board (MTU, pool buffer, profile).
        const syns = tcpSegments(pcap, (src) => host.has(src)).filter((s) => (s.flags & TCP_FLAGS.SYN) !== 0);
        expect(syns.length).toBeGreaterThan(0);
        const limits = board.limits;
        expect(syns.filter((s) => s.mss === undefined || s.mss > (s.family === 4 ? limits.ipv4Mss : limits.ipv6Mss))).toEqual([]);
      }, T);
    });
  });
}

/**
 * Waits until the board has reset: a fresh agent connection then sees its own two requests (HELLO,
 * COUNTERS) as the agent's only ones, since the count restarts at boot and the suite made hundreds
 * before. Until the reset the agent holds every line, so a probe gets no answer within 2 s.
 */
async function waitForReboot(board: Board, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < 200 && Date.now() < end; i++) {
    let probe: AgentClient | undefined;
    try {
      probe = await board.openAgent({ timeoutMs: 2000 });
      const requests = (await probe.counters({ timeoutMs: 2000 })).agent_requests;
      if (requests === 2) return;
      last = new Error(`agent_requests=${requests}: not rebooted yet`);
      // Held until the reset, then forgotten: ends when the board reboots or after 2 s.
      await probe.hello({ timeoutMs: 2000 }).catch(() => undefined);
    } catch (err) {
      last = err;
    } finally {
      probe?.close();
    }
  }
  throw new Error(`the board did not come back rebooted within ${timeoutMs} ms (${String(last)})`);
}
