// hilftp forward as a user runs it (the built dist/cli/main.js) in front of the native-sim board,
// driven by host FTP clients on loopback: curl (EPSV and PASV, upload and download with equal
// SHA-256, LIST, active mode refused), lftp (a session with put/get/ls/mkdir/rmdir), python3
// ftplib (PORT/EPRT refused, then the same session goes on in passive mode), two clients at
// once; SIGINT and SIGTERM stop it cleanly and take the board's process with it (checked by PID).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive, processesMentioning, startServingCli, type ServingCli } from "../board/launch-test-support.js";
import { makeRandomFile, run, sha256File, type RunResult } from "../testing/peers.js";
import { parseListen } from "./forward.js";
import { UsageError } from "./url.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-forward-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Forwarding {
  readonly served: ServingCli;
  readonly port: number;
  /** The native board's process (its command line names the private state directory). */
  readonly boardPid: number;
}

async function startForwarding(name: string): Promise<Forwarding> {
  const state = join(dir, `${name}-state`);
  const served = await startServingCli(["forward", "--board", "native-sim", "--listen", "127.0.0.1:0"], { HILFTP_STATE_DIR: state }, 60_000);
  const m = /^forwarding ftp:\/\/127\.0\.0\.1:(\d+) -> board 198\.51\.100\.2:21 \(native-sim\)$/.exec(served.line);
  if (!m) {
    await served.stop();
    throw new Error(`unexpected first line: ${served.line}`);
  }
  const pids = await processesMentioning(state);
  expect(pids).toHaveLength(1);
  return { served, port: Number(m[1]), boardPid: pids[0]! };
}

/** Waits for the exit after `signal`; SIGKILL (by PID, via stop()) if it takes longer than 20 s. */
async function stopWith(f: Forwarding, signal: NodeJS.Signals): Promise<number | null> {
  process.kill(f.served.pid, signal);
  const late = new Promise<"late">((r) => setTimeout(() => r("late"), 20_000).unref());
  const code = await Promise.race([f.served.exited, late]);
  if (code === "late") {
    await f.served.stop();
    throw new Error(`hilftp forward did not stop within 20 s of ${signal}: ${f.served.stderr()}`);
  }
  return code;
}

function shown(r: RunResult): string {
  return `exit ${r.code}${r.timedOut ? " (timed out)" : ""}\nstdout:\n${r.stdout.slice(0, 2000)}\nstderr:\n${r.stderr.slice(0, 4000)}`;
}

describe("--listen", () => {
  it("takes HOST:PORT, [IPV6]:PORT or a bare port on loopback, and refuses the rest as usage errors", () => {
    expect(parseListen("127.0.0.1:2121")).toEqual({ host: "127.0.0.1", port: 2121 });
    expect(parseListen("0.0.0.0:0")).toEqual({ host: "0.0.0.0", port: 0 });
    expect(parseListen("[::1]:2121")).toEqual({ host: "::1", port: 2121 });
    expect(parseListen("localhost:21")).toEqual({ host: "localhost", port: 21 });
    expect(parseListen("2121")).toEqual({ host: "127.0.0.1", port: 2121 });
    for (const bad of ["::1:2121", "127.0.0.1:", ":2121", "127.0.0.1:65536", "127.0.0.1:x", "[::1]"]) {
      expect(() => parseListen(bad), bad).toThrow(UsageError);
    }
  });
});

describe("hilftp forward --board native-sim", () => {
  it("lets curl, lftp and ftplib use the board in passive mode, refuses active mode, and stops on SIGINT with the board", async () => {
    const f = await startForwarding("main");
    let stopped = false;
    try {
      const base = `ftp://127.0.0.1:${f.port}`;
      const curl = (args: readonly string[]): Promise<RunResult> =>
        run("curl", ["-sS", "--connect-timeout", "10", "--max-time", "30", "-u", "hil:hil", ...args], { timeoutMs: 40_000 });
      const src = join(dir, "up.bin");
      const sum = await makeRandomFile(src, 100 * 1024, 5);

      // Upload with curl's default EPSV, then two downloads at once: one EPSV, one PASV.
      const up = await curl(["-T", src, `${base}/up.bin`]);
      expect(up.code, shown(up)).toBe(0);
      const [epsv, pasv] = await Promise.all([
        curl(["-v", "-o", join(dir, "epsv.bin"), `${base}/up.bin`]),
        curl(["-v", "--disable-epsv", "-o", join(dir, "pasv.bin"), `${base}/up.bin`]),
      ]);
      expect(epsv.code, shown(epsv)).toBe(0);
      expect(pasv.code, shown(pasv)).toBe(0);
      expect(epsv.stderr).toMatch(/^< 229 Entering Extended Passive Mode \(\|\|\|\d+\|\)/m);
      expect(pasv.stderr).toMatch(/^< 227 Entering Passive Mode \(127,0,0,1,\d+,\d+\)\./m);
      expect(await sha256File(join(dir, "epsv.bin"))).toBe(sum);
      expect(await sha256File(join(dir, "pasv.bin"))).toBe(sum);

      // LIST (curl on a directory URL).
      const list = await curl([`${base}/`]);
      expect(list.code, shown(list)).toBe(0);
      expect(list.stdout).toMatch(/^-\S+ +1 owner group +102400 .* up\.bin\r?$/m);

      // Active mode: one clear refusal; curl gives up with its "PORT failed" exit code 30.
      const active = await curl(["-v", "-P", "-", "-o", join(dir, "active.bin"), `${base}/up.bin`]);
      expect(active.code, shown(active)).toBe(30);
      expect(active.stderr).toContain("< 502 hilftp forward: active mode is not supported through the tunnel; use passive (PASV/EPSV)");

      // lftp: a whole session (PASV by default) with put, get, ls, mkdir, rmdir.
      const lftp = await run(
        "lftp",
        [
          "-c",
          [
            "set net:max-retries 1",
            "set net:timeout 10",
            "set cmd:fail-exit yes",
            "set ftp:ssl-allow no",
            "set xfer:clobber yes",
            `open -u hil,hil ${base}`,
            `put ${src} -o lftp.bin`,
            `get lftp.bin -o ${join(dir, "lftp-back.bin")}`,
            "mkdir made",
            "cls -1",
            "rmdir made",
            "echo after-rmdir",
            "cls -1",
          ].join("; "),
        ],
        { timeoutMs: 60_000 },
      );
      expect(lftp.code, shown(lftp)).toBe(0);
      expect(await sha256File(join(dir, "lftp-back.bin"))).toBe(sum);
      const [before, after] = lftp.stdout.split("after-rmdir");
      expect(before!.split(/\r?\n/)).toEqual(expect.arrayContaining(["made/", "lftp.bin", "up.bin"]));
      expect(after!.split(/\r?\n/)).not.toContain("made/");

      // One ftplib session: PORT and EPRT refused without ending it, then passive works.
      const py = await run("python3", ["-c", FTPLIB_SESSION, String(f.port)], { timeoutMs: 40_000 });
      expect(py.code, shown(py)).toBe(0);
      const seen = JSON.parse(py.stdout) as Record<string, string | number | string[]>;
      expect(seen.port).toBe("502 hilftp forward: active mode is not supported through the tunnel; use passive (PASV/EPSV)");
      expect(seen.eprt).toMatch(/^502 hilftp forward: active mode/);
      expect(seen.pwd).toBe("/");
      expect(seen.size).toBe(100 * 1024);
      expect(seen.sha).toBe(sum);
      expect(seen.names).toEqual(expect.arrayContaining(["up.bin", "lftp.bin"]));
      expect(seen.epsv).toMatch(/^229 /);

      // The board takes four sessions; a fifth waits (no 421, as NetX) until one of them quits.
      const fifth = await run("python3", ["-c", FTPLIB_FIFTH, String(f.port)], { timeoutMs: 40_000 });
      expect(fifth.code, shown(fifth)).toBe(0);
      expect(JSON.parse(fifth.stdout)).toEqual({ greetedWhileFull: false, greetedAfterQuit: "220 Connection Ready", loggedIn: true });

      // Ctrl-C: a clean stop (main's code for SIGINT is 130), the tunnel closed, the board gone.
      const code = await stopWith(f, "SIGINT");
      stopped = true;
      expect(code, f.served.stderr()).toBe(130);
      expect(f.served.stderr()).toMatch(/^hilftp forward: stopped after \d+ session\(s\)$/m);
      for (let i = 0; i < 100 && alive(f.boardPid); i++) await new Promise((r) => setTimeout(r, 50));
      expect(alive(f.boardPid)).toBe(false);
    } finally {
      if (!stopped) await f.served.stop();
    }
  }, 120_000);

  it("SIGTERM while a client is connected: exit 0, the session ended, the board gone", async () => {
    const f = await startForwarding("term");
    // A logged-in ftplib session kept open across the stop: it must see the connection close.
    const held = run("python3", ["-c", FTPLIB_HELD, String(f.port)], { timeoutMs: 40_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    const code = await stopWith(f, "SIGTERM");
    expect(code, f.served.stderr()).toBe(0);
    const py = await held;
    expect(py.code, shown(py)).toBe(0);
    expect(py.stdout.trim()).toBe("closed");
    for (let i = 0; i < 100 && alive(f.boardPid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(f.boardPid)).toBe(false);
  }, 60_000);
});

/** python3 -c: one session through the forwarder; prints what it saw as JSON. */
const FTPLIB_SESSION = String.raw`
import ftplib, hashlib, io, json, sys
port = int(sys.argv[1])
out = {}
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", port, timeout=20)
ftp.login("hil", "hil")
for verb, arg in (("port", "PORT 127,0,0,1,4,1"), ("eprt", "EPRT |1|127.0.0.1|1025|")):
    try:
        ftp.sendcmd(arg)
        out[verb] = "accepted"
    except ftplib.error_perm as e:
        out[verb] = str(e).rstrip()
out["pwd"] = ftp.pwd()
ftp.set_pasv(True)
buf = io.BytesIO()
ftp.retrbinary("RETR up.bin", buf.write)
out["size"] = len(buf.getvalue())
out["sha"] = hashlib.sha256(buf.getvalue()).hexdigest()
out["names"] = ftp.nlst()
out["epsv"] = ftp.sendcmd("EPSV")
ftp.quit()
print(json.dumps(out))
`;

/** python3 -c: four sessions fill the board, a fifth connects; is it greeted before and after one quits? */
const FTPLIB_FIFTH = String.raw`
import ftplib, json, socket, sys
port = int(sys.argv[1])
full = []
for i in range(4):
    c = ftplib.FTP()
    c.connect("127.0.0.1", port, timeout=20)
    c.login("hil", "hil")
    full.append(c)
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.settimeout(1.0)
try:
    early = s.recv(100) != b""
except socket.timeout:
    early = False
full[0].quit()
s.settimeout(20)
greeting = s.recv(100).decode().strip()
s.sendall(b"USER hil\r\n")
s.recv(100)
s.sendall(b"PASS hil\r\n")
logged = s.recv(100).startswith(b"230")
s.sendall(b"QUIT\r\n")
s.recv(100)
for c in full[1:]:
    c.quit()
print(json.dumps({"greetedWhileFull": early, "greetedAfterQuit": greeting, "loggedIn": logged}))
`;

/** python3 -c: logs in and waits for the server side to close the connection; prints "closed". */
const FTPLIB_HELD = String.raw`
import ftplib, sys
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", int(sys.argv[1]), timeout=30)
ftp.login("hil", "hil")
try:
    while True:
        if ftp.sock.recv(4096) == b"":
            break
except OSError:
    pass
print("closed")
`;
