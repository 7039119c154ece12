// Reads what the benchmark needs about other processes from /proc: CPU ticks (own + reaped
// children, so a forking server's finished sessions are counted), the process tree below a
// server (forking servers run each session as child processes), and resident memory.
import { readFileSync, readdirSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
export const CLOCK_TICKS = 100;

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // fields[0] is field 3 of proc(5) (state)
  return text.slice(text.lastIndexOf(")") + 2).trim().split(" ");
}

/**
 * CPU seconds of `pid`: utime + stime, plus cutime + cstime (children it has waited for).
 * vsftpd and pure-ftpd fork a process per session and reap it when the session ends, so
 * reading this before and after a transfer (once the session's processes are gone) counts
 * the whole server.
 */
export function cpuSeconds(pid) {
  const f = statFields(pid);
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return ticks / CLOCK_TICKS;
}

/** `pid` and every process below it (children, grandchildren...), from the parent links in /proc. */
export function processTree(pid) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(statFields(name)[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // exited while we looked
    }
  }
  const tree = [pid];
  // bounded: every pid is visited once, and /proc holds a finite number of them
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/**
 * CPU seconds of one process split into its main thread ("main": for node the event loop and
 * JavaScript) and all other threads ("others": for node the libuv pool doing file system calls
 * and V8's GC / compiler helpers; node 20 names them all "node"), user and system, from
 * /proc/<pid>/task/<tid>/stat.
 */
export function threadCpu(pid) {
  const out = {};
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = Number(tid) === pid ? "main" : "others";
      const f = text.slice(text.lastIndexOf(")") + 2).trim().split(" ");
      const entry = (out[name] ??= { user: 0, system: 0 });
      entry.user += Number(f[11]) / CLOCK_TICKS;
      entry.system += Number(f[12]) / CLOCK_TICKS;
    } catch {
      // thread ended while we looked
    }
  }
  return out;
}

/** Per-thread-name difference of two threadCpu() readings. */
export function threadCpuDelta(before, after) {
  const out = {};
  for (const [name, a] of Object.entries(after)) {
    const b = before[name] ?? { user: 0, system: 0 };
    const user = a.user - b.user;
    const system = a.system - b.system;
    if (user > 0 || system > 0) out[name] = { user: Math.round(user * 100) / 100, system: Math.round(system * 100) / 100 };
  }
  return out;
}

/**
 * User and system CPU seconds of `pid` itself plus its reaped children, and its minor page
 * faults (own + reaped children): a process that keeps allocating fresh buffers and handing
 * them back to the kernel pays one fault per 4 KiB page it touches again.
 */
export function cpuSplit(pid) {
  const f = statFields(pid);
  return {
    user: (Number(f[11]) + Number(f[13])) / CLOCK_TICKS,
    system: (Number(f[12]) + Number(f[14])) / CLOCK_TICKS,
    minorFaults: Number(f[7]) + Number(f[8]),
  };
}

/** Direct children of `pid`. */
export function childrenOf(pid) {
  const out = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (Number(statFields(name)[1]) === pid) out.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/**
 * Waits (bounded) until `pid` has no descendants left, i.e. every session process ended and
 * was reaped (a zombie still shows in /proc until its parent waits for it). vsftpd's sessions
 * call setsid(), so the process group would not find them; the parent links do.
 */
export async function waitForNoDescendants(pid, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (processTree(pid).length <= 1) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** VmRSS of one process in KiB (0 if it is gone). */
export function rssKiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size in KiB: shared pages split between the processes that map them. */
export function pssKiB(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Memory of a server and its session processes: summed RSS (counts shared pages once per process) and PSS. */
export function treeMemory(pid) {
  const pids = processTree(pid);
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    rss += rssKiB(pid);
    pss += pssKiB(pid);
  }
  return { processes: pids.length, rssKiB: rss, pssKiB: pss };
}

/** Backlog of the socket listening on 127.0.0.1:port, as `ss` reports it (Send-Q of a LISTEN row). */
export function listenBacklog(ssOutput, port) {
  for (const line of ssOutput.split("\n")) {
    const cols = line.trim().split(/\s+/);
    // State Recv-Q Send-Q Local Peer
    if (cols[0] === "LISTEN" && cols[3]?.endsWith(`:${port}`)) return Number(cols[2]);
  }
  return undefined;
}

/**
 * The kernel's TcpExt counters that explain lost connections under a burst (machine-wide, so
 * read them as "during the burst" only when nothing else is connecting): accept-queue
 * overflows and SYN cookies sent.
 */
export function tcpListenCounters() {
  const out = {};
  try {
    const lines = readFileSync("/proc/net/netstat", "utf8").split("\n");
    for (let i = 0; i + 1 < lines.length; i++) {
      if (!lines[i].startsWith("TcpExt:") || !lines[i + 1].startsWith("TcpExt:")) continue;
      const names = lines[i].split(/\s+/).slice(1);
      const values = lines[i + 1].split(/\s+/).slice(1).map(Number);
      for (const key of ["ListenOverflows", "ListenDrops", "SyncookiesSent", "SyncookiesRecv"]) {
        const at = names.indexOf(key);
        if (at >= 0) out[key] = values[at];
      }
      break;
    }
  } catch {
    // no /proc/net/netstat
  }
  return out;
}
