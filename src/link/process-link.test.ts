// ProcessLink with `cat` as the board: bytes both ways, bytes left unread before the link took
// over still delivered, destroy() stopping the process by PID, and a process that ends on its
// own failing the link with how it ended.
import { describe, expect, it } from "vitest";
import { describeExit, startBoardChild, type BoardChild } from "../board/child.js";
import { ProcessLink } from "./process-link.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function linkOver(child: BoardChild): ProcessLink {
  return new ProcessLink({
    name: "test",
    input: child.stdout!,
    output: child.stdin!,
    stop: () => child.stop(),
    exited: child.exited,
    exitOnEofMs: 2000,
    ended: child.exited.then((exit) => (child.stopping ? new Promise<string>(() => undefined) : `the board ${describeExit(exit, child.stderr())}`)),
    pid: child.pid,
    readyMs: 1,
  });
}

function closed(link: ProcessLink): Promise<void> {
  return new Promise((resolve) => (link.closed ? resolve() : link.once("close", () => resolve())));
}

describe("ProcessLink", () => {
  it("carries bytes both ways and stops the process on destroy", async () => {
    const child = await startBoardChild("cat", [], { pipes: true });
    const link = linkOver(child);
    const echoed = new Promise<string>((resolve) => link.once("data", (b: Buffer) => resolve(b.toString())));
    link.write("ping");
    expect(await echoed).toBe("ping");
    expect(alive(child.pid)).toBe(true);
    link.destroy();
    await closed(link);
    expect(alive(child.pid)).toBe(false);
  });

  it("delivers what the process wrote before anyone read the link", async () => {
    const child = await startBoardChild("sh", ["-c", "printf early; exec cat"], { pipes: true });
    await new Promise((r) => setTimeout(r, 200));
    const link = linkOver(child);
    const got = await new Promise<string>((resolve) => link.once("data", (b: Buffer) => resolve(b.toString())));
    expect(got).toBe("early");
    link.destroy();
    await closed(link);
  });

  it("fails with the exit status and stderr when the process ends on its own", async () => {
    const child = await startBoardChild("sh", ["-c", "read x; echo 'out of buffers' >&2; exit 3"], { pipes: true });
    const link = linkOver(child);
    const failed = new Promise<Error>((resolve) => link.once("error", resolve));
    link.resume();
    link.write("go\n");
    expect((await failed).message).toBe("test: the board exited with code 3: out of buffers");
    await closed(link);
  });

  it("end() closes the process's stdin, so a board that exits on EOF ends cleanly", async () => {
    const child = await startBoardChild("cat", [], { pipes: true });
    const link = linkOver(child);
    let error: Error | undefined;
    link.on("error", (e: Error) => (error = e));
    link.resume();
    link.end();
    const exit = await child.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    link.destroy();
    await closed(link);
    expect(error).toBeUndefined();
  });
});
