// NodeFileSystem beyond the shared contract: the root is a wall (symlinks, "..", error texts).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NodeFileSystem } from "./node.js";
import { codeOf, errorOf, readText, writeData } from "./testing.js";
import { FsError } from "./types.js";

let base: string; // holds root/ and outside/
let root: string;
let outside: string;
let nfs: NodeFileSystem;

beforeEach(() => {
  base = fs.mkdtempSync(nodePath.join(os.tmpdir(), "hilftp-nodefs-"));
  root = nodePath.join(base, "root");
  outside = nodePath.join(base, "outside");
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(nodePath.join(outside, "secret.txt"), "secret");
  fs.writeFileSync(nodePath.join(base, "escape.txt"), "escaped");
  fs.writeFileSync(nodePath.join(root, "a.txt"), "hello world");
  fs.mkdirSync(nodePath.join(root, "dir"));
  fs.writeFileSync(nodePath.join(root, "dir", "b.txt"), "bee");
  // Ways out of the root:
  fs.symlinkSync(outside, nodePath.join(root, "out")); // directory, absolute
  fs.symlinkSync("../outside/secret.txt", nodePath.join(root, "secret")); // file, relative
  fs.symlinkSync(nodePath.join(outside, "planted.txt"), nodePath.join(root, "dangling-out")); // to a new file
  fs.symlinkSync("../../outside", nodePath.join(root, "dir", "up")); // climbs from a subdirectory
  // Ways that stay inside:
  fs.symlinkSync("a.txt", nodePath.join(root, "in-file"));
  fs.symlinkSync("dir", nodePath.join(root, "in-dir"));
  fs.symlinkSync(nodePath.join(root, "dir", "b.txt"), nodePath.join(root, "in-abs"));
  fs.symlinkSync("created.txt", nodePath.join(root, "dangling-in"));
  nfs = new NodeFileSystem(root);
});

afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

const outsideFiles = (): string[] => fs.readdirSync(outside).sort();

describe("symlinks leading out of the root", () => {
  it("refuses reads", async () => {
    expect(await codeOf(nfs.openRead("/secret"))).toBe("EACCES");
    expect(await codeOf(nfs.openRead("/out/secret.txt"))).toBe("EACCES");
    expect(await codeOf(nfs.openRead("/dir/up/secret.txt"))).toBe("EACCES");
    expect(await codeOf(nfs.stat("/out/secret.txt"))).toBe("EACCES");
  });

  it("refuses writes of every mode, and creates nothing outside", async () => {
    for (const mode of ["truncate", "append", "exclusive", "at"] as const) {
      expect(await codeOf(nfs.openWrite("/secret", { mode }))).toBe("EACCES");
      expect(await codeOf(nfs.openWrite("/out/new.txt", { mode }))).toBe("EACCES");
      expect(await codeOf(nfs.openWrite("/dangling-out", { mode }))).toBe("EACCES");
    }
    expect(fs.readFileSync(nodePath.join(outside, "secret.txt"), "utf8")).toBe("secret");
    expect(outsideFiles()).toEqual(["secret.txt"]);
  });

  it("refuses listing", async () => {
    expect(await codeOf(nfs.list("/out"))).toBe("EACCES");
    expect(await codeOf(nfs.list("/dir/up"))).toBe("EACCES");
  });

  it("refuses delete, mkdir, rmdir and rename through them", async () => {
    expect(await codeOf(nfs.delete("/out/secret.txt"))).toBe("EACCES");
    expect(await codeOf(nfs.mkdir("/out/made"))).toBe("EACCES");
    fs.mkdirSync(nodePath.join(outside, "empty"));
    expect(await codeOf(nfs.rmdir("/out/empty"))).toBe("EACCES");
    expect(await codeOf(nfs.rename("/a.txt", "/out/a.txt"))).toBe("EACCES");
    expect(await codeOf(nfs.rename("/out/secret.txt", "/stolen.txt"))).toBe("EACCES");
    expect(outsideFiles()).toEqual(["empty", "secret.txt"]);
    expect(fs.existsSync(nodePath.join(root, "a.txt"))).toBe(true);
    expect(fs.existsSync(nodePath.join(root, "stolen.txt"))).toBe(false);
  });

  it("shows the link itself: stat and list use lstat", async () => {
    expect(await nfs.stat("/secret")).toMatchObject({ name: "secret", type: "link", target: "../outside/secret.txt" });
    const names = (await nfs.list("/")).map((e) => `${e.name}:${e.type}`);
    expect(names).toEqual([
      "a.txt:file",
      "dangling-in:link",
      "dangling-out:link",
      "dir:dir",
      "in-abs:link",
      "in-dir:link",
      "in-file:link",
      "out:link",
      "secret:link",
    ]);
  });

  it("deleting such a link removes the link only", async () => {
    await nfs.delete("/secret");
    await nfs.delete("/out");
    expect(fs.existsSync(nodePath.join(root, "secret"))).toBe(false);
    expect(fs.readFileSync(nodePath.join(outside, "secret.txt"), "utf8")).toBe("secret");
  });
});

describe("symlinks that stay inside the root", () => {
  it("are followed for read, write and list", async () => {
    expect(await readText(nfs, "/in-file")).toBe("hello world");
    expect(await readText(nfs, "/in-abs")).toBe("bee");
    expect((await nfs.list("/in-dir")).map((e) => e.name)).toEqual(["b.txt", "up"]);
    expect(await readText(nfs, "/in-dir/b.txt")).toBe("bee");
    await writeData(nfs, "/in-file", "through the link");
    expect(fs.readFileSync(nodePath.join(root, "a.txt"), "utf8")).toBe("through the link");
    // Like O_EXCL: the dangling link is a name that exists.
    expect(await codeOf(nfs.openWrite("/dangling-in", { mode: "exclusive" }))).toBe("EEXIST");
    await writeData(nfs, "/dangling-in", "made");
    expect(fs.readFileSync(nodePath.join(root, "created.txt"), "utf8")).toBe("made");
  });

  it("work when the root itself is reached through a symlink", async () => {
    const alias = nodePath.join(base, "alias");
    fs.symlinkSync(root, alias);
    const viaAlias = new NodeFileSystem(alias);
    expect(await readText(viaAlias, "/in-abs")).toBe("bee");
    expect(await codeOf(viaAlias.openRead("/secret"))).toBe("EACCES");
  });

  it("a symlink loop is refused, not followed forever", async () => {
    fs.symlinkSync("loop2", nodePath.join(root, "loop1"));
    fs.symlinkSync("loop1", nodePath.join(root, "loop2"));
    expect(await codeOf(nfs.openRead("/loop1"))).toBe("EACCES");
    expect(await codeOf(nfs.openWrite("/loop1", { mode: "truncate" }))).toBe("EACCES");
  });
});

describe("'..' and the root", () => {
  it("cannot climb out of the root", async () => {
    expect(await codeOf(nfs.openRead("../escape.txt"))).toBe("ENOENT");
    expect(await codeOf(nfs.openRead("/../../escape.txt"))).toBe("ENOENT");
    expect(await codeOf(nfs.openRead("/dir/../../escape.txt"))).toBe("ENOENT");
    expect(await codeOf(nfs.openRead("../outside/secret.txt"))).toBe("ENOENT");
    expect((await nfs.list("/..")).map((e) => e.name)).toContain("a.txt");
    await writeData(nfs, "../escape.txt", "inside");
    expect(fs.readFileSync(nodePath.join(base, "escape.txt"), "utf8")).toBe("escaped");
    expect(fs.readFileSync(nodePath.join(root, "escape.txt"), "utf8")).toBe("inside");
  });

  it("a backslash is a name character, not a separator", async () => {
    await writeData(nfs, "/..\\escape.txt", "x");
    expect(fs.readFileSync(nodePath.join(root, "..\\escape.txt"), "utf8")).toBe("x");
    expect(fs.readFileSync(nodePath.join(base, "escape.txt"), "utf8")).toBe("escaped");
  });

  it("a missing root fails with EIO, naming no host path", async () => {
    const gone = new NodeFileSystem(nodePath.join(base, "missing"));
    const e = await errorOf(gone.stat("/"));
    expect(e.code).toBe("EIO");
    expect(e.message).not.toContain(base);
  });
});

describe("error messages", () => {
  it("name the virtual path and never the host's", async () => {
    fs.mkdirSync(nodePath.join(root, "full"));
    fs.writeFileSync(nodePath.join(root, "full", "x"), "");
    const failures: (() => Promise<unknown>)[] = [
      () => nfs.openRead("/nope.txt"),
      () => nfs.openRead("/dir"),
      () => nfs.openRead("/secret"),
      () => nfs.openWrite("/a.txt", { mode: "exclusive" }),
      () => nfs.openWrite("/no/dir.txt", { mode: "truncate" }),
      () => nfs.list("/a.txt"),
      () => nfs.list("/out"),
      () => nfs.mkdir("/dir"),
      () => nfs.rmdir("/full"),
      () => nfs.delete("/dir"),
      () => nfs.rename("/nope", "/other"),
      () => nfs.rename("/full", "/dir"),
      () => nfs.stat("/a.txt/x"),
    ];
    const realBase = fs.realpathSync(base);
    for (const fail of failures) {
      const e = await errorOf(fail());
      expect(e).toBeInstanceOf(FsError);
      expect(e.message).not.toContain(base);
      expect(e.message).not.toContain(realBase);
      expect(e.message).not.toContain(os.tmpdir());
      expect(e.message).toMatch(/ \/\S*/);
    }
    expect((await errorOf(nfs.openRead("/nope.txt"))).message).toContain("/nope.txt");
  });
});

describe("host specifics", () => {
  it("reports the mode, read-only and symlink targets from the host", async () => {
    fs.chmodSync(nodePath.join(root, "a.txt"), 0o444);
    expect(await nfs.stat("/a.txt")).toMatchObject({ mode: 0o444, readOnly: true, type: "file" });
    fs.chmodSync(nodePath.join(root, "a.txt"), 0o640);
    expect(await nfs.stat("/a.txt")).toMatchObject({ mode: 0o640, readOnly: false });
    expect(await nfs.stat("/in-file")).toMatchObject({ type: "link", target: "a.txt" });
  });

  it("shows absolute link targets as virtual paths, and hides those outside the root", async () => {
    const realRoot = fs.realpathSync(root);
    fs.symlinkSync(nodePath.join(realRoot, "a.txt"), nodePath.join(root, "abs-in"));
    fs.symlinkSync("/etc/hostname", nodePath.join(root, "abs-out"));
    expect(await nfs.stat("/abs-in")).toMatchObject({ type: "link", target: "/a.txt" });
    const out = await nfs.stat("/abs-out");
    expect(out.type).toBe("link");
    expect(out.target).toBeUndefined();
    const listed = (await nfs.list("/")).find((e) => e.name === "abs-out");
    expect(JSON.stringify(listed)).not.toContain("/etc");
  });

  it("refuses to open a FIFO instead of blocking on it", async () => {
    execFileSync("mkfifo", [nodePath.join(root, "pipe")]);
    expect(await codeOf(nfs.openRead("/pipe"))).toBe("EACCES");
    expect(await codeOf(nfs.openWrite("/pipe", { mode: "truncate" }))).toBe("EACCES");
    expect((await nfs.stat("/pipe")).type).toBe("other");
  });

  /** How many of this process's descriptors are open on `real` (Linux /proc). */
  const openFds = (real: string): number =>
    fs.readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === real;
      } catch {
        return false;
      }
    }).length;

  it("emits 'finish' only after the file descriptor is closed", async () => {
    const real = nodePath.join(fs.realpathSync(root), "fd.txt");
    const w = await nfs.openWrite("/fd.txt", { mode: "truncate" });
    expect(openFds(real)).toBe(1);
    let atFinish = -1;
    const finished = new Promise<void>((resolve) =>
      w.once("finish", () => {
        atFinish = openFds(real);
        resolve();
      }),
    );
    w.end("data");
    await finished;
    expect(atFinish).toBe(0);
    expect(fs.readFileSync(real, "utf8")).toBe("data");
  });

  it("closes the file when a stream is destroyed midway (ABOR)", async () => {
    const real = nodePath.join(fs.realpathSync(root), "aborted.txt");
    const w = await nfs.openWrite("/aborted.txt", { mode: "truncate" });
    w.write("partial");
    const closed = new Promise<void>((resolve) => w.once("close", resolve));
    w.destroy();
    await closed;
    expect(openFds(real)).toBe(0);
    // The partial upload stays (whatever reached the disk), as on any disk file system.
    expect(["", "partial"]).toContain(fs.readFileSync(real, "utf8"));

    const r = await nfs.openRead("/a.txt");
    const readClosed = new Promise<void>((resolve) => r.once("close", resolve));
    r.destroy();
    await readClosed;
    expect(openFds(nodePath.join(fs.realpathSync(root), "a.txt"))).toBe(0);
  });

  it("fsync option still writes the bytes", async () => {
    const synced = new NodeFileSystem(root, { fsync: true });
    await writeData(synced, "/s.txt", "synced");
    expect(fs.readFileSync(nodePath.join(root, "s.txt"), "utf8")).toBe("synced");
  });
});
