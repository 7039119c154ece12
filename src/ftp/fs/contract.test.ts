// One behaviour contract, run against every FileSystem: what the FTP server may rely on.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryFileSystem, type MemoryTree } from "./memory.js";
import { NodeFileSystem } from "./node.js";
import { codeOf, readAll, readText, writeData } from "./testing.js";
import type { FileSystem } from "./types.js";

interface Subject {
  readonly name: string;
  make(tree: MemoryTree): FileSystem;
}

const tmpDirs: string[] = [];

function plantOnDisk(dir: string, tree: MemoryTree): void {
  for (const [name, value] of Object.entries(tree)) {
    const p = nodePath.join(dir, name);
    if (typeof value === "string" || value instanceof Uint8Array) fs.writeFileSync(p, value);
    else {
      fs.mkdirSync(p);
      plantOnDisk(p, value);
    }
  }
}

const subjects: Subject[] = [
  {
    name: "NodeFileSystem",
    make(tree) {
      const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "hilftp-contract-"));
      tmpDirs.push(dir);
      const root = nodePath.join(dir, "root");
      fs.mkdirSync(root);
      plantOnDisk(root, tree);
      return new NodeFileSystem(root);
    },
  },
  { name: "MemoryFileSystem", make: (tree) => MemoryFileSystem.from(tree) },
];

afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const TREE: MemoryTree = {
  "a.txt": "hello world",
  "empty.txt": "",
  dir: { "b.txt": "bee", sub: {} },
  zeta: "z",
  Alpha: "A",
  beta: {},
};

const MiB = 1024 * 1024;

/** Deterministic content for chunk i of a big file. */
function patternChunk(i: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let j = 0; j < size; j += 4) b.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
  return b;
}

describe.each(subjects)("FileSystem contract: $name", (subject) => {
  const make = (): FileSystem => subject.make(TREE);

  describe("stat", () => {
    it("describes files, directories and the root", async () => {
      const f = make();
      const a = await f.stat("/a.txt");
      expect(a).toMatchObject({ name: "a.txt", type: "file", size: 11, readOnly: false });
      expect(a.mtime).toBeInstanceOf(Date);
      expect(a.mode).toBeTypeOf("number");
      expect(await f.stat("/dir")).toMatchObject({ name: "dir", type: "dir" });
      expect(await f.stat("/")).toMatchObject({ name: "/", type: "dir" });
      expect(await f.stat("/empty.txt")).toMatchObject({ type: "file", size: 0 });
    });

    it("normalises the path it is given", async () => {
      const f = make();
      expect((await f.stat("dir/../a.txt")).size).toBe(11);
      expect((await f.stat("/../../a.txt")).size).toBe(11);
      expect(await f.stat("/..")).toMatchObject({ name: "/", type: "dir" });
    });

    it("fails by code", async () => {
      const f = make();
      expect(await codeOf(f.stat("/nope"))).toBe("ENOENT");
      expect(await codeOf(f.stat("/nope/deeper"))).toBe("ENOENT");
      expect(await codeOf(f.stat("/a.txt/x"))).toBe("ENOTDIR");
      expect(await codeOf(f.stat("/a\0.txt"))).toBe("EINVAL");
    });
  });

  describe("list", () => {
    it("returns the entries sorted by name, without . and ..", async () => {
      const f = make();
      const entries = await f.list("/");
      expect(entries.map((e) => e.name)).toEqual(["Alpha", "a.txt", "beta", "dir", "empty.txt", "zeta"]);
      expect(entries.map((e) => e.type)).toEqual(["file", "file", "dir", "dir", "file", "file"]);
      expect(entries.find((e) => e.name === "a.txt")?.size).toBe(11);
      expect((await f.list("/dir")).map((e) => e.name)).toEqual(["b.txt", "sub"]);
      expect(await f.list("/dir/sub")).toEqual([]);
    });

    it("fails by code", async () => {
      const f = make();
      expect(await codeOf(f.list("/a.txt"))).toBe("ENOTDIR");
      expect(await codeOf(f.list("/nope"))).toBe("ENOENT");
    });
  });

  describe("openRead", () => {
    it("reads the whole file, or from an offset", async () => {
      const f = make();
      expect(await readText(f, "/a.txt")).toBe("hello world");
      expect(await readText(f, "/a.txt", 6)).toBe("world");
      expect(await readText(f, "/a.txt", 11)).toBe("");
      expect(await readText(f, "/a.txt", 500)).toBe("");
      expect(await readText(f, "/empty.txt")).toBe("");
      expect(await readText(f, "/dir/b.txt", 0)).toBe("bee");
    });

    it("rejects the promise (not the stream) on open errors", async () => {
      const f = make();
      expect(await codeOf(f.openRead("/nope"))).toBe("ENOENT");
      expect(await codeOf(f.openRead("/dir"))).toBe("EISDIR");
      expect(await codeOf(f.openRead("/"))).toBe("EISDIR");
      expect(await codeOf(f.openRead("/a.txt/x"))).toBe("ENOTDIR");
      expect(await codeOf(f.openRead("/a.txt", { start: -1 }))).toBe("EINVAL");
      expect(await codeOf(f.openRead("/a.txt", { start: 1.5 }))).toBe("EINVAL");
    });

    it("keeps serving an open file that is deleted meanwhile", async () => {
      const f = make();
      const r = await f.openRead("/a.txt");
      await f.delete("/a.txt");
      expect((await readAll(r)).toString()).toBe("hello world");
    });
  });

  describe("openWrite", () => {
    it("truncate replaces an existing file and creates a new one", async () => {
      const f = make();
      await writeData(f, "/a.txt", "new");
      expect(await readText(f, "/a.txt")).toBe("new");
      await writeData(f, "/dir/c.txt", [Buffer.from("one "), Buffer.from("two")]);
      expect(await readText(f, "/dir/c.txt")).toBe("one two");
      expect((await f.stat("/dir/c.txt")).size).toBe(7);
    });

    it("truncate with nothing written leaves an empty file", async () => {
      const f = make();
      await writeData(f, "/a.txt", []);
      expect((await f.stat("/a.txt")).size).toBe(0);
    });

    it("append adds at the end, and creates", async () => {
      const f = make();
      await writeData(f, "/a.txt", "!!", { mode: "append" });
      expect(await readText(f, "/a.txt")).toBe("hello world!!");
      await writeData(f, "/new.txt", "x", { mode: "append" });
      await writeData(f, "/new.txt", "y", { mode: "append" });
      expect(await readText(f, "/new.txt")).toBe("xy");
    });

    it("exclusive creates but never replaces", async () => {
      const f = make();
      expect(await codeOf(f.openWrite("/a.txt", { mode: "exclusive" }))).toBe("EEXIST");
      expect(await readText(f, "/a.txt")).toBe("hello world");
      await writeData(f, "/fresh.txt", "f", { mode: "exclusive" });
      expect(await readText(f, "/fresh.txt")).toBe("f");
    });

    it("at writes from the offset and drops the stale tail (REST + STOR)", async () => {
      const f = make();
      await writeData(f, "/a.txt", "XY", { mode: "at", start: 5 });
      expect(await readText(f, "/a.txt")).toBe("helloXY");
      await writeData(f, "/a.txt", "Z", { mode: "at", start: 9 });
      expect((await readAll(await f.openRead("/a.txt"))).equals(Buffer.from("helloXY\0\0Z"))).toBe(true);
      await writeData(f, "/b.bin", "start", { mode: "at" });
      expect(await readText(f, "/b.bin")).toBe("start");
      await writeData(f, "/a.txt", "", { mode: "at", start: 3 });
      expect(await readText(f, "/a.txt")).toBe("hel");
    });

    it("fails by code", async () => {
      const f = make();
      expect(await codeOf(f.openWrite("/dir", { mode: "truncate" }))).toBe("EISDIR");
      expect(await codeOf(f.openWrite("/", { mode: "append" }))).toBe("EISDIR");
      expect(await codeOf(f.openWrite("/nope/x.txt", { mode: "truncate" }))).toBe("ENOENT");
      expect(await codeOf(f.openWrite("/a.txt/x", { mode: "truncate" }))).toBe("ENOTDIR");
      expect(await codeOf(f.openWrite("/x", { mode: "at", start: -5 }))).toBe("EINVAL");
      const bogus = { mode: "bogus" } as unknown as Parameters<FileSystem["openWrite"]>[1];
      expect(await codeOf(f.openWrite("/x", bogus))).toBe("EINVAL");
      const inherited = { mode: "toString" } as unknown as Parameters<FileSystem["openWrite"]>[1];
      expect(await codeOf(f.openWrite("/x", inherited))).toBe("EINVAL");
      await expect(f.stat("/x")).rejects.toMatchObject({ code: "ENOENT" });
    });

    it("'finish' means a new reader sees every byte", async () => {
      const f = make();
      const w = await f.openWrite("/w.txt", { mode: "truncate" });
      w.write("abc");
      w.end("def");
      await new Promise<void>((resolve, reject) => {
        w.once("finish", resolve);
        w.once("error", reject);
      });
      expect(await readText(f, "/w.txt")).toBe("abcdef");
      expect((await f.stat("/w.txt")).size).toBe(6);
    });
  });

  describe("mkdir / rmdir / delete", () => {
    it("mkdir creates one level and refuses what exists", async () => {
      const f = make();
      await f.mkdir("/new");
      expect(await f.stat("/new")).toMatchObject({ type: "dir" });
      await f.mkdir("/new/inner");
      expect((await f.list("/new")).map((e) => e.name)).toEqual(["inner"]);
      expect(await codeOf(f.mkdir("/new"))).toBe("EEXIST");
      expect(await codeOf(f.mkdir("/a.txt"))).toBe("EEXIST");
      expect(await codeOf(f.mkdir("/"))).toBe("EEXIST");
      expect(await codeOf(f.mkdir("/x/y"))).toBe("ENOENT");
      expect(await codeOf(f.mkdir("/a.txt/y"))).toBe("ENOTDIR");
    });

    it("rmdir removes only empty directories", async () => {
      const f = make();
      await f.rmdir("/dir/sub");
      expect(await codeOf(f.stat("/dir/sub"))).toBe("ENOENT");
      expect(await codeOf(f.rmdir("/dir"))).toBe("ENOTEMPTY");
      expect(await codeOf(f.rmdir("/a.txt"))).toBe("ENOTDIR");
      expect(await codeOf(f.rmdir("/nope"))).toBe("ENOENT");
      expect(await codeOf(f.rmdir("/"))).toBe("EACCES");
      expect(await f.stat("/")).toMatchObject({ type: "dir" });
    });

    it("delete removes files, not directories", async () => {
      const f = make();
      await f.delete("/dir/b.txt");
      expect(await codeOf(f.stat("/dir/b.txt"))).toBe("ENOENT");
      expect(await codeOf(f.delete("/dir/b.txt"))).toBe("ENOENT");
      expect(await codeOf(f.delete("/dir/sub"))).toBe("EISDIR");
      expect(await codeOf(f.delete("/"))).toBe("EISDIR");
      await f.rmdir("/dir/sub");
      await f.rmdir("/dir");
      expect((await f.list("/")).map((e) => e.name)).toEqual(["Alpha", "a.txt", "beta", "empty.txt", "zeta"]);
    });
  });

  describe("rename", () => {
    it("moves files and directories with their contents", async () => {
      const f = make();
      await f.rename("/a.txt", "/beta/moved.txt");
      expect(await codeOf(f.stat("/a.txt"))).toBe("ENOENT");
      expect(await readText(f, "/beta/moved.txt")).toBe("hello world");
      await f.rename("/dir", "/renamed");
      expect(await readText(f, "/renamed/b.txt")).toBe("bee");
      expect(await codeOf(f.stat("/dir"))).toBe("ENOENT");
      await f.rename("/zeta", "/zeta");
      expect(await readText(f, "/zeta")).toBe("z");
    });

    it("replaces an existing file, as rename(2) does", async () => {
      const f = make();
      await f.rename("/zeta", "/a.txt");
      expect(await readText(f, "/a.txt")).toBe("z");
      expect(await codeOf(f.stat("/zeta"))).toBe("ENOENT");
    });

    it("replaces an empty directory with a directory", async () => {
      const f = make();
      await f.rename("/dir", "/beta");
      expect(await readText(f, "/beta/b.txt")).toBe("bee");
    });

    it("fails by code", async () => {
      const f = make();
      expect(await codeOf(f.rename("/nope", "/x"))).toBe("ENOENT");
      expect(await codeOf(f.rename("/a.txt", "/nope/x"))).toBe("ENOENT");
      expect(await codeOf(f.rename("/a.txt", "/dir"))).toBe("EISDIR");
      expect(await codeOf(f.rename("/beta", "/a.txt"))).toBe("ENOTDIR");
      expect(await codeOf(f.rename("/beta", "/dir"))).toBe("ENOTEMPTY");
      expect(await codeOf(f.rename("/dir", "/dir/sub/inside"))).toBe("EINVAL");
      expect(await codeOf(f.rename("/", "/x"))).toBe("EACCES");
      expect(await codeOf(f.rename("/a.txt", "/"))).toBe("EACCES");
      // Nothing moved.
      expect((await f.list("/")).map((e) => e.name)).toEqual(["Alpha", "a.txt", "beta", "dir", "empty.txt", "zeta"]);
      expect(await readText(f, "/dir/b.txt")).toBe("bee");
    });
  });

  describe("streaming", () => {
    const total = 20 * MiB;
    const chunk = 64 * 1024;
    const count = total / chunk;

    it("writes and reads 20 MiB in chunks, byte-exact", async () => {
      const f = make();
      const want = createHash("sha256");
      function* source(): Generator<Buffer> {
        for (let i = 0; i < count; i++) {
          const c = patternChunk(i, chunk);
          want.update(c);
          yield c;
        }
      }
      await pipeline(Readable.from(source()), await f.openWrite("/big.bin", { mode: "truncate" }));
      expect((await f.stat("/big.bin")).size).toBe(total);

      const got = createHash("sha256");
      let bytes = 0;
      let chunks = 0;
      let largest = 0;
      for await (const c of await f.openRead("/big.bin")) {
        const b = c as Buffer;
        got.update(b);
        bytes += b.length;
        chunks++;
        largest = Math.max(largest, b.length);
      }
      expect(bytes).toBe(total);
      expect(got.digest("hex")).toBe(want.digest("hex"));
      // Streamed, not handed over as one buffer.
      expect(largest).toBeLessThanOrEqual(MiB);
      expect(chunks).toBeGreaterThanOrEqual(total / MiB);

      // Reading from an offset inside the big file.
      const tail = await readAll(await f.openRead("/big.bin", { start: total - chunk - 10 }));
      expect(tail.length).toBe(chunk + 10);
      expect(tail.subarray(10).equals(patternChunk(count - 1, chunk))).toBe(true);
    });

    it("a read stream that nobody consumes buffers a bounded amount", async () => {
      const f = make();
      await pipeline(
        Readable.from(Array.from({ length: count / 16 }, (_, i) => patternChunk(i, 16 * chunk))),
        await f.openWrite("/big.bin", { mode: "truncate" }),
      );
      const r = await f.openRead("/big.bin");
      r.pause();
      let maxBuffered = 0;
      // Bounded: give the stream plenty of turns to read ahead if it were going to.
      for (let i = 0; i < 200; i++) {
        r.read(0);
        await new Promise((resolve) => setImmediate(resolve));
        maxBuffered = Math.max(maxBuffered, r.readableLength);
      }
      expect(maxBuffered).toBeLessThanOrEqual(2 * MiB);
      r.destroy();
    });

    it("a resumed upload (at) continues a big file exactly", async () => {
      const f = make();
      const half = total / 2;
      await writeData(
        f,
        "/big.bin",
        Array.from({ length: count }, (_, i) => patternChunk(i, chunk)),
      );
      // Resume at the half with different data: everything after must be the new data.
      await writeData(f, "/big.bin", [patternChunk(9999, chunk)], { mode: "at", start: half });
      expect((await f.stat("/big.bin")).size).toBe(half + chunk);
      const tail = await readAll(await f.openRead("/big.bin", { start: half - chunk }));
      expect(tail.subarray(0, chunk).equals(patternChunk(half / chunk - 1, chunk))).toBe(true);
      expect(tail.subarray(chunk).equals(patternChunk(9999, chunk))).toBe(true);
    });
  });
});
