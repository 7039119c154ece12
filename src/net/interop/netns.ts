// Network namespaces for the kernel interop tests: every TUN device and every program the tests
// start on the kernel side lives in a namespace made here, so nothing touches the root
// namespace. destroy() kills what still runs inside (by PID, from `ip netns pids`) and deletes
// the namespace; an exit hook does the same for a run that dies before afterAll.
import { spawnSync } from "node:child_process";
import { run, type RunOptions, type RunResult } from "../../testing/peers.js";

export interface Namespace {
  readonly name: string;
  /** Runs `cmd args` inside the namespace (`ip netns exec`), with run()'s hard timeout. */
  exec(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** PIDs of the processes inside. */
  pids(): Promise<number[]>;
  /** Kills what runs inside (SIGKILL, by PID), deletes the namespace. Idempotent. */
  destroy(): Promise<void>;
}

const live = new Set<string>();
let hooked = false;
let counter = 0;

/** A new namespace; its loopback is brought up unless `loopback: false`. */
export async function createNamespace(options: { loopback?: boolean } = {}): Promise<Namespace> {
  const name = `hilftp-${process.pid}-${++counter}`;
  await must(["netns", "add", name]);
  live.add(name);
  installExitHook();
  let destroyed: Promise<void> | undefined;
  const ns: Namespace = {
    name,
    exec: (cmd, args, options) => run("ip", ["netns", "exec", name, cmd, ...args], options),
    pids: async () => {
      const r = await run("ip", ["netns", "pids", name], { timeoutMs: 10_000 });
      return r.stdout.split(/\s+/).filter(Boolean).map(Number);
    },
    destroy() {
      destroyed ??= (async () => {
        for (const pid of await ns.pids()) killQuietly(pid);
        // The kernel reaps killed processes asynchronously: wait (bounded) until none is left.
        for (let i = 0; i < 100 && (await ns.pids()).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
        await must(["netns", "del", name]);
        live.delete(name);
      })();
      return destroyed;
    },
  };
  try {
    if (options.loopback !== false) await must(["-n", name, "link", "set", "lo", "up"]);
  } catch (err) {
    await ns.destroy();
    throw err;
  }
  return ns;
}

/** Names of the namespaces this process made and has not deleted yet. */
export function liveNamespaces(): string[] {
  return [...live];
}

async function must(args: readonly string[]): Promise<void> {
  const r = await run("ip", args, { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`ip ${args.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}

function installExitHook(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", () => {
    for (const name of live) {
      const pids = spawnSync("ip", ["netns", "pids", name], { encoding: "utf8" }).stdout ?? "";
      for (const pid of pids.split(/\s+/).filter(Boolean)) killQuietly(Number(pid));
      spawnSync("ip", ["netns", "del", name]);
    }
  });
}
