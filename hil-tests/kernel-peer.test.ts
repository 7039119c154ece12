// The Linux kernel as the peer of the device. `hilftp tun --board native-sim` (the built CLI, as root,
// in a network namespace of its own) starts the native target and bridges its SLIP link to a TUN
// device; ping, curl and lftp run in that namespace, so every packet to the device's FTP server comes
// from the kernel's TCP/IP and meets the firmware's C stack, with no TypeScript stack on either end.
// Proven here: ICMP and ICMPv6 echo; STOR/RETR through curl and lftp, passive (EPSV, PASV) and active
// (EPRT, PORT), over IPv4 and IPv6, files of 48 KiB and 200 KiB (most of the 256 KiB RAM fs), hashed
// both ways; LIST, NLST, MKD (NetX answers 200), CWD, DELE, RMD; the 502s lftp gets from NetX do not
// break it; with 2% of the frames dropped on the link, ten rounds of a 100 KiB upload and download each
// finish in bounded time; and stopping tun stops the board and leaves nothing in the namespace.
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, spawnTun, type TunProcess } from "../src/net/interop/harness.js";
import { createNamespace, type Namespace } from "../src/net/interop/netns.js";
import { makeRandomFile, run, sha256File, type RunResult } from "../src/testing/peers.js";
import { profileSync } from "./support.js";

const profile = profileSync("native-sim");
const { user: USER, password: PASSWORD } = profile.ftp;
const DEVICE4 = profile.addresses.boardIpv4;
const DEVICE6 = profile.addresses.boardIpv6 ?? "";
const RAMFS_SIZE = profile.firmware?.ramfsSize ?? 0;
const SMALL = 48 * 1024;
const BIG = 200 * 1024;
const LOSSY = 100 * 1024;
/** Faults `hilftp tun --faults` injects on the link (both directions) for the loss test. */
const FAULTS = "drop=0.02,seed=7";
/**
 * Bound of each transfer under loss. Before the device held out-of-order segments, an upload now and
 * then never finished (doubling RTOs, past a minute) and others took up to 14 s; since, none of about
 * 150 took more than 3.6 s.
 */
const LOSS_BOUND_MS = 15_000;
/** Bound of all rounds together (about 15 s in practice). */
const LOSS_TOTAL_MS = 120_000;
/**
 * Upload/download rounds under loss. The faults are seeded, so a fresh tun drops the same frames of
 * its first transfer every run, and one transfer is one draw: the firmware that stalled survived its
 * first upload every time. Ten rounds walk through enough of the drop sequence: this test failed on
 * that firmware in 3 runs of 3 (at rounds 5 to 7).
 */
const LOSS_ROUNDS = 10;

let dir = "";
const savedState = process.env.HILFTP_STATE_DIR;
const files = { small: "", big: "", lossy: "" };
const hashes = { small: "", big: "", lossy: "" };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-kernel-peer-"));
  // inherited by the CLI spawnTun starts: the board's RAM fs image is this run's alone
  process.env.HILFTP_STATE_DIR = join(dir, "state");
  for (const [key, size, seed] of [["small", SMALL, 11], ["big", BIG, 12], ["lossy", LOSSY, 13]] as const) {
    files[key] = join(dir, `${key}.bin`);
    hashes[key] = await makeRandomFile(files[key], size, seed);
  }
});
afterAll(async () => {
  if (savedState === undefined) delete process.env.HILFTP_STATE_DIR;
  else process.env.HILFTP_STATE_DIR = savedState;
  await rm(dir, { recursive: true, force: true });
});

interface Device {
  readonly ns: Namespace;
  readonly tun: TunProcess;
}

/** A fresh namespace with `hilftp tun --board native-sim ...extra` up in it. */
async function startDevice(extra: readonly string[] = []): Promise<Device> {
  const ns = await createNamespace();
  const tun = spawnTun(ns.name, [CLI, "tun", "--board", "native-sim", ...extra]);
  try {
    await tun.up;
  } catch (err) {
    await tun.stop();
    await ns.destroy();
    throw err;
  }
  return { ns, tun };
}

/** The last test of each block: tun exits 0 on SIGTERM, the board went with it, the namespace goes. */
async function stopDevice(d: Device): Promise<void> {
  expect(await d.tun.stop(), d.tun.stderr()).toBe(0);
  expect(await d.ns.pids()).toEqual([]);
  await d.ns.destroy();
  const list = await run("ip", ["netns", "list"], { timeoutMs: 10_000 });
  expect(list.stdout).not.toContain(d.ns.name);
}

function url(host: string, path = ""): string {
  return `ftp://${USER}:${PASSWORD}@${host.includes(":") ? `[${host}]` : host}/${path}`;
}

/** curl in the namespace, -v so the FTP dialogue is on stderr; --globoff keeps [v6] out of globbing. */
function curl(ns: Namespace, args: readonly string[], maxTimeS = 20): Promise<RunResult> {
  return ns.exec("curl", ["-sS", "-v", "--globoff", "--max-time", String(maxTimeS), ...args], { timeoutMs: maxTimeS * 1000 + 10_000 });
}

/** The commands curl sent ("> VERB ..." lines of -v), verbs only. */
function curlVerbs(stderr: string): string[] {
  return [...stderr.matchAll(/^> ([A-Z]+)/gm)].map((m) => m[1] ?? "");
}

/** The commands lftp sent ("---> VERB ..." lines of -d), verbs only. */
function lftpVerbs(dialogue: string): string[] {
  return [...dialogue.matchAll(/^---> ([A-Z]+)/gm)].map((m) => m[1] ?? "");
}

/** Kernel TCP counters of the namespace (nstat -a: absolute; -s: no history file written). */
async function tcpCounters(ns: Namespace): Promise<Record<string, number>> {
  const r = await ns.exec("nstat", ["-asz"], { timeoutMs: 10_000 });
  const out: Record<string, number> = {};
  for (const m of r.stdout.matchAll(/^(\S+)\s+(\d+)/gm)) out[m[1] ?? ""] = Number(m[2]);
  return out;
}

const WATCHED = ["TcpRetransSegs", "TcpExtTCPTimeouts", "TcpExtTCPFastRetrans", "TcpExtTCPLossFailures", "TcpExtTCPRenoReorder", "TcpExtTCPOFOQueue"];

function counterDelta(before: Record<string, number>, after: Record<string, number>): string {
  return WATCHED.map((k) => `${k.replace(/^TcpExt/, "")}+${(after[k] ?? 0) - (before[k] ?? 0)}`).join(" ");
}

describe("the kernel as the peer of hilftp tun --board native-sim", () => {
  let d: Device | undefined;
  beforeAll(async () => {
    d = await startDevice();
  }, 60_000);
  afterAll(async () => {
    await d?.tun.stop();
    await d?.ns.destroy();
  });
  const dev = (): Device => {
    if (!d) throw new Error("the device did not start");
    return d;
  };

  it("fits the test files into the board's RAM fs", () => {
    // one file at a time is on the board (each test deletes its own); a rewrite would need twice the room
    expect(BIG + SMALL).toBeLessThanOrEqual(RAMFS_SIZE);
    expect(DEVICE6).not.toBe("");
  });

  it("answers ping and ping -6", async () => {
    const { ns } = dev();
    const ping = await ns.exec("ping", ["-c", "3", "-i", "0.2", "-W", "2", DEVICE4], { timeoutMs: 20_000 });
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(/3 received/);
    const ping6 = await ns.exec("ping", ["-6", "-c", "3", "-i", "0.2", "-W", "2", DEVICE6], { timeoutMs: 20_000 });
    expect(ping6.code, ping6.stdout + ping6.stderr).toBe(0);
    expect(ping6.stdout).toMatch(/3 received/);
  }, 60_000);

  // curl chooses the data connection by these options; over IPv6 only EPSV and EPRT exist (PASV and
  // PORT carry IPv4 addresses), and curl sends them there even with --disable-epsv / --disable-eprt.
  const curlModes = [
    { family: 4, verb: "EPSV", args: [] },
    { family: 4, verb: "PASV", args: ["--disable-epsv"] },
    { family: 4, verb: "EPRT", args: ["-P", "-"] },
    { family: 4, verb: "PORT", args: ["-P", "-", "--disable-eprt"] },
    { family: 6, verb: "EPSV", args: [] },
    { family: 6, verb: "EPRT", args: ["-P", "-"] },
  ] as const;
  for (const { family, verb, args } of curlModes) {
    for (const key of ["small", "big"] as const) {
      it(`curl over IPv${family} with ${verb}: upload and download ${key === "small" ? SMALL : BIG} bytes, hashes equal`, async () => {
        const { ns } = dev();
        const host = family === 4 ? DEVICE4 : DEVICE6;
        const name = `curl-${family}-${verb}-${key}.bin`;
        const up = await curl(ns, [...args, "-T", files[key], url(host, name)]);
        expect(up.code, up.stderr).toBe(0);
        expect(curlVerbs(up.stderr)).toEqual(expect.arrayContaining([verb, "STOR"]));
        // the download deletes the file after the transfer (-Q "-CMD": post-quote): the fs stays free
        const back = join(dir, `${name}.back`);
        const down = await curl(ns, [...args, "-o", back, "-Q", `-DELE ${name}`, url(host, name)]);
        expect(down.code, down.stderr).toBe(0);
        expect(curlVerbs(down.stderr)).toEqual(expect.arrayContaining([verb, "RETR", "DELE"]));
        expect(await sha256File(back)).toBe(hashes[key]);
        await rm(back);
      }, 60_000);
    }
  }

  it("curl: MKD (NetX's 200 is accepted), LIST and NLST, a file in the new directory, DELE, RMD", async () => {
    const { ns } = dev();
    // NetX answers MKD with 200, not RFC 959's 257. curl treats a -Q command as failed only when
    // the reply is 400 or above, so it accepts 200 (exit 0); the same MKD again gets 550 and curl
    // exits 21 (CURLE_QUOTE_ERROR).
    const mkd = await curl(ns, ["-Q", "MKD /kdir", url(DEVICE4)]);
    expect(mkd.code, mkd.stderr).toBe(0);
    expect(mkd.stderr).toMatch(/^< 200 "\/kdir" Directory Created/m);
    const again = await curl(ns, ["-Q", "MKD /kdir", url(DEVICE4)]);
    expect(again.code, again.stderr).toBe(21);
    expect(again.stderr).toMatch(/^< 550/m);

    const put = await curl(ns, ["-T", files.small, url(DEVICE6, "kdir/in-dir.bin")]);
    expect(put.code, put.stderr).toBe(0);
    const list = await curl(ns, [url(DEVICE4)]);
    expect(list.code, list.stderr).toBe(0);
    expect(curlVerbs(list.stderr)).toContain("LIST");
    expect(list.stdout).toMatch(/^d\S+\s.* kdir\r?$/m);
    const sub = await curl(ns, [url(DEVICE6, "kdir/")]);
    expect(sub.code, sub.stderr).toBe(0);
    expect(sub.stdout).toMatch(new RegExp(`^-\\S+\\s.*\\s${SMALL}\\s.* in-dir\\.bin\\r?$`, "m"));
    const nlst = await curl(ns, ["--list-only", url(DEVICE4, "kdir/")]);
    expect(nlst.code, nlst.stderr).toBe(0);
    expect(curlVerbs(nlst.stderr)).toContain("NLST");
    expect(nlst.stdout).toMatch(/in-dir\.bin\r?$/m);

    const clean = await curl(ns, ["-Q", "DELE /kdir/in-dir.bin", "-Q", "RMD /kdir", url(DEVICE4)]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toMatch(/^< 250 File Deleted/m);
    expect(clean.stdout).not.toMatch(/kdir/);
  }, 60_000);

  // lftp opens with FEAT and AUTH TLS (530 before login), then FEAT (502), SITE UTIME, SIZE and MDTM
  // after transfers (502 each): NetX implements none of them, and lftp carries on. cmd:fail-exit makes
  // any failed command end lftp with a non-zero status; the net:* settings keep a failure short.
  const lftpCases = [
    { family: 4, passive: true, key: "big" },
    { family: 4, passive: false, key: "small" },
    { family: 6, passive: true, key: "small" },
    { family: 6, passive: false, key: "big" },
  ] as const;
  for (const { family, passive, key } of lftpCases) {
    it(`lftp over IPv${family}, ${passive ? "passive" : "active"}: mkdir, put, get, ls, rm, rmdir; ${key === "small" ? SMALL : BIG} bytes hashed`, async () => {
      const { ns } = dev();
      const host = family === 4 ? DEVICE4 : DEVICE6;
      const back = join(dir, `lftp-${family}-${passive}.back`);
      const script = [
        "set cmd:fail-exit yes",
        "set net:max-retries 1",
        "set net:timeout 20",
        "set xfer:clobber on",
        `set ftp:passive-mode ${passive ? "on" : "off"}`,
        `open -u ${USER},${PASSWORD} ${host}`,
        "mkdir ldir",
        "cd ldir",
        `put ${files[key]} -o f.bin`,
        `get f.bin -o ${back}`,
        "cls -l",
        "rm f.bin",
        "cd /",
        "rmdir ldir",
        "echo ---root---",
        "cls -1",
      ].join("; ");
      const r = await ns.exec("lftp", ["-d", "-c", script], { timeoutMs: 60_000 });
      const dialogue = r.stdout + r.stderr;
      expect(r.code, dialogue).toBe(0);
      expect(await sha256File(back)).toBe(hashes[key]);
      await rm(back);
      const [inDir = "", root = ""] = r.stdout.split("---root---");
      expect(inDir).toMatch(new RegExp(`\\s${key === "small" ? SMALL : BIG}\\s.*f\\.bin$`, "m"));
      expect(root).not.toMatch(/ldir/);
      const verbs = lftpVerbs(dialogue);
      expect(verbs).toEqual(expect.arrayContaining(["FEAT", "MKD", "STOR", "RETR", "DELE", "RMD"]));
      expect(dialogue).toMatch(/^<--- 502 /m);
      const data = verbs.filter((v) => ["PASV", "EPSV", "PORT", "EPRT"].includes(v));
      const want = passive ? (family === 4 ? "PASV" : "EPSV") : family === 4 ? "PORT" : "EPRT";
      expect(new Set(data)).toEqual(new Set([want]));
    }, 90_000);
  }

  it("leaves nothing on the board, then tun stops with 0 and takes the board and namespace with it", async () => {
    const listed = await curl(dev().ns, [url(DEVICE4)]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim()).toBe("");
    await stopDevice(dev());
    d = undefined;
  }, 60_000);
});

describe(`the kernel as the peer, ${FAULTS} on the link`, () => {
  let d: Device | undefined;
  let pcapDir = "";
  let failed = false;
  beforeAll(async () => {
    // the capture (the kernel's side of the faults) is kept when a test here fails
    pcapDir = await mkdtemp(join(tmpdir(), "hilftp-kernel-peer-pcap-"));
    d = await startDevice(["--faults", FAULTS, "--pcap", join(pcapDir, "lossy.pcap")]);
  }, 60_000);
  afterAll(async () => {
    await d?.tun.stop();
    await d?.ns.destroy();
    if (failed) {
      const kept = join(tmpdir(), `hilftp-kernel-peer-${process.pid}.pcap`);
      await copyFile(join(pcapDir, "lossy.pcap"), kept).catch(() => undefined);
      console.log(`kernel-peer: pcap of the lossy link kept at ${kept}`);
    }
    await rm(pcapDir, { recursive: true, force: true });
  });
  const dev = (): Device => {
    if (!d) throw new Error("the device did not start");
    return d;
  };

  // Linux sends data to the device with NewReno (the device offers no SACK) and, after a timeout,
  // new data ahead of its retransmissions; the device used to drop that as out of order, so the
  // ACK never passed Linux's recovery point and each further loss cost a doubled RTO (Karn: no RTT
  // sample from retransmitted data), past a minute. The device now holds out-of-order segments.
  it(`${LOSS_ROUNDS} rounds of a ${LOSSY}-byte curl upload and download, each within ${LOSS_BOUND_MS / 1000} s, hashes equal`, async () => {
    const { ns, tun } = dev();
    try {
      expect(tun.stderr()).toMatch(/faults seed 7/);
      const start = await tcpCounters(ns);
      const times: string[] = [];
      const back = join(dir, "lossy.back");
      for (let round = 1; round <= LOSS_ROUNDS; round++) {
        const before = await tcpCounters(ns);
        let t0 = performance.now();
        const up = await curl(ns, ["-T", files.lossy, url(DEVICE4, "lossy.bin")], LOSS_BOUND_MS / 1000);
        const upMs = performance.now() - t0;
        const mid = await tcpCounters(ns);
        const upNote = `round ${round}: upload ${Math.round(upMs)} ms, kernel ${counterDelta(before, mid)}`;
        expect(up.code, `${upNote}\n${up.stderr}`).toBe(0);
        expect(upMs, upNote).toBeLessThan(LOSS_BOUND_MS);
        // the download deletes the file afterwards (post-quote), so every round starts on an empty fs
        t0 = performance.now();
        const down = await curl(ns, ["-o", back, "-Q", "-DELE lossy.bin", url(DEVICE4, "lossy.bin")], LOSS_BOUND_MS / 1000);
        const downMs = performance.now() - t0;
        const downNote = `round ${round}: download ${Math.round(downMs)} ms, kernel ${counterDelta(mid, await tcpCounters(ns))}`;
        expect(down.code, `${downNote}\n${down.stderr}`).toBe(0);
        expect(downMs, downNote).toBeLessThan(LOSS_BOUND_MS);
        expect(await sha256File(back), downNote).toBe(hashes.lossy);
        times.push(`${(upMs / 1000).toFixed(1)}/${(downMs / 1000).toFixed(1)}`);
      }
      console.log(`kernel-peer ${FAULTS}: up/down s ${times.join(" ")}; kernel ${counterDelta(start, await tcpCounters(ns))}`);
    } catch (err) {
      failed = true;
      throw err;
    }
  }, LOSS_TOTAL_MS);

  it("tun stops with 0 and takes the board and namespace with it", async () => {
    await stopDevice(dev());
    d = undefined;
  }, 60_000);
});
