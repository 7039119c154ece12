// MemoryFileSystem beyond the shared contract: capacity (ENOSPC), snapshots, the tree helper.
import { describe, expect, it } from "vitest";
import { MemoryFileSystem } from "./memory.js";
import { codeOf, errorOf, readAll, readText, writeData } from "./testing.js";
import { FsError } from "./types.js";

describe("capacity (maxBytes)", () => {
  it("fails the write stream with ENOSPC when the disk is full, like NetX's RAM disk test", async () => {
    const mfs = new MemoryFileSystem({ maxBytes: 100 });
    await writeData(mfs, "/first.bin", Buffer.alloc(80, 1));
    expect(mfs.usedBytes).toBe(80);
    const w = await mfs.openWrite("/second.bin", { mode: "truncate" });
    const failed = new Promise<unknown>((resolve) => w.once("error", resolve));
    w.write(Buffer.alloc(15, 2));
    w.end(Buffer.alloc(15, 3));
    const err = await failed;
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe("ENOSPC");
    // The chunk that did not fit is not stored at all; the one before it is.
    expect((await mfs.stat("/second.bin")).size).toBe(15);
    expect(mfs.usedBytes).toBe(95);
    expect((await readAll(await mfs.openRead("/first.bin"))).equals(Buffer.alloc(80, 1))).toBe(true);
  });

  it("gives the space back on delete, truncate and replacing rename", async () => {
    const mfs = new MemoryFileSystem({ maxBytes: 100 });
    await writeData(mfs, "/a", Buffer.alloc(60));
    expect(await codeOf(writeData(mfs, "/b", Buffer.alloc(60)))).toBe("ENOSPC");
    await mfs.delete("/b");
    await writeData(mfs, "/a", Buffer.alloc(90)); // truncate frees the old 60 first
    expect(mfs.usedBytes).toBe(90);
    await writeData(mfs, "/a", Buffer.alloc(10), { mode: "at", start: 20 });
    expect(mfs.usedBytes).toBe(30);
    await writeData(mfs, "/c", Buffer.alloc(50));
    await mfs.rename("/c", "/a");
    expect(mfs.usedBytes).toBe(50);
    await mfs.delete("/a");
    expect(mfs.usedBytes).toBe(0);
  });

  it("refuses a REST offset beyond the capacity at open", async () => {
    const mfs = new MemoryFileSystem({ maxBytes: 1000 });
    expect(await codeOf(mfs.openWrite("/x", { mode: "at", start: 5000 }))).toBe("ENOSPC");
    expect(await codeOf(writeData(mfs, "/y", "z", { mode: "at", start: 1000 }))).toBe("ENOSPC");
    expect(mfs.usedBytes).toBe(1000);
  });

  it("counts appends too", async () => {
    const mfs = MemoryFileSystem.from({ log: "12345" }, { maxBytes: 8 });
    await writeData(mfs, "/log", "678", { mode: "append" });
    expect(await codeOf(writeData(mfs, "/log", "9", { mode: "append" }))).toBe("ENOSPC");
    expect(await readText(mfs, "/log")).toBe("12345678");
  });
});

describe("concurrent readers and writers", () => {
  it("a reader sees the file as it was when opened (a snapshot)", async () => {
    const mfs = MemoryFileSystem.from({ f: "before" });
    const early = await mfs.openRead("/f");
    const w = await mfs.openWrite("/f", { mode: "append" });
    w.write(" and after");
    // Written chunks are stored at once: a reader opened now sees them before 'finish'.
    expect(await readText(mfs, "/f")).toBe("before and after");
    w.end();
    expect((await readAll(early)).toString()).toBe("before");
  });

  it("a snapshot survives truncation and rewriting of the file", async () => {
    const mfs = MemoryFileSystem.from({ f: "0123456789" });
    const early = await mfs.openRead("/f", { start: 2 });
    await writeData(mfs, "/f", "abc", { mode: "at", start: 4 });
    await writeData(mfs, "/f", "XYZ");
    expect(await readText(mfs, "/f")).toBe("XYZ");
    expect((await readAll(early)).toString()).toBe("23456789");
  });

  it("a writer whose file was deleted finishes, and its bytes go nowhere", async () => {
    const mfs = new MemoryFileSystem({ maxBytes: 10 });
    const w = await mfs.openWrite("/f", { mode: "truncate" });
    w.write("abc");
    await mfs.delete("/f");
    w.write("0123456789-more-than-capacity");
    const finished = new Promise<void>((resolve, reject) => {
      w.once("finish", resolve);
      w.once("error", reject);
    });
    w.end();
    await finished;
    expect(mfs.usedBytes).toBe(0);
    expect(await codeOf(mfs.stat("/f"))).toBe("ENOENT");
  });

  it("keeps its own copy of written and read bytes", async () => {
    const mfs = new MemoryFileSystem();
    const data = Buffer.from("original");
    await writeData(mfs, "/f", data);
    data.fill(0x21);
    const r = await mfs.openRead("/f");
    const chunks: Buffer[] = [];
    for await (const c of r) {
      chunks.push(c as Buffer);
      (c as Buffer).fill(0x3f);
    }
    expect(chunks.length).toBeGreaterThan(0);
    expect(await readText(mfs, "/f")).toBe("original");
  });

  it("packs many small writes without losing order", async () => {
    const mfs = new MemoryFileSystem();
    const parts = Array.from({ length: 5000 }, (_, i) => Buffer.from(`${i},`));
    await writeData(mfs, "/many", parts);
    expect(await readText(mfs, "/many")).toBe(parts.map((p) => p.toString()).join(""));
  });
});

describe("MemoryFileSystem.from and options", () => {
  it("builds a tree from strings, bytes, objects and relative paths", async () => {
    const mfs = MemoryFileSystem.from({
      "readme.txt": "hi",
      "bin/blob": Buffer.from([0, 1, 2]),
      docs: { "a.md": "# a", deep: { "b.md": "# b" } },
      "docs/c.md": "# c",
      "/abs/x": "x",
    });
    expect(await readText(mfs, "/readme.txt")).toBe("hi");
    expect([...(await readAll(await mfs.openRead("/bin/blob")))]).toEqual([0, 1, 2]);
    expect((await mfs.list("/docs")).map((e) => e.name)).toEqual(["a.md", "c.md", "deep"]);
    expect(await readText(mfs, "/docs/deep/b.md")).toBe("# b");
    expect(await readText(mfs, "/abs/x")).toBe("x");
    expect(mfs.usedBytes).toBe(2 + 3 + 3 + 3 + 3 + 1);
  });

  it("refuses a tree that puts a file where a directory must be", () => {
    expect(() => MemoryFileSystem.from({ a: "file", "a/b": "x" })).toThrow(FsError);
    expect(() => MemoryFileSystem.from({ "x\n": "bad" })).toThrow(FsError);
  });

  it("takes mtimes from the injected clock", async () => {
    let t = Date.UTC(2024, 0, 2, 3, 4, 5);
    const mfs = new MemoryFileSystem({ now: () => new Date(t) });
    await mfs.mkdir("/d");
    t += 60_000;
    await writeData(mfs, "/d/f", "x");
    expect((await mfs.stat("/d/f")).mtime.toISOString()).toBe("2024-01-02T03:05:05.000Z");
    expect((await mfs.stat("/d")).mtime.toISOString()).toBe("2024-01-02T03:05:05.000Z");
    // A returned Date is a copy.
    (await mfs.stat("/d/f")).mtime.setTime(0);
    expect((await mfs.stat("/d/f")).mtime.getTime()).toBe(t);
  });

  it("reports sizes, modes and names", async () => {
    const mfs = MemoryFileSystem.from({ f: "abc", d: {} });
    expect(await mfs.stat("/f")).toMatchObject({ name: "f", type: "file", size: 3, mode: 0o644, readOnly: false });
    expect(await mfs.stat("/d")).toMatchObject({ name: "d", type: "dir", size: 0, mode: 0o755 });
    const e = await errorOf(mfs.openRead("/d/missing"));
    expect(e.message).toContain("/d/missing");
  });
});
