import { describe, expect, it } from "vitest";
import { baseName, compareNames, dirName, joinPath, resolvePath } from "./path.js";
import { FsError } from "./types.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FsError ? err.code : "not an FsError";
  }
  return undefined;
}

describe("resolvePath", () => {
  it.each([
    ["/", "", "/"],
    ["/", ".", "/"],
    ["/a/b", "", "/a/b"],
    ["/a/b", "c", "/a/b/c"],
    ["/a/b", "c/d.txt", "/a/b/c/d.txt"],
    ["/a/b", "/x", "/x"],
    ["/a/b", "/", "/"],
    ["/a/b", "..", "/a"],
    ["/a/b", "../..", "/"],
    ["/a/b", "./c/./d", "/a/b/c/d"],
    ["/a/b", "c//d///", "/a/b/c/d"],
    ["/a/b", "//x//y/", "/x/y"],
    ["/a", "x/../y", "/a/y"],
    ["/a", "...", "/a/..."],
    ["/a", ".hidden", "/a/.hidden"],
    ["/a", "with space", "/a/with space"],
  ])("cwd %j + %j -> %j", (cwd, arg, want) => {
    expect(resolvePath(cwd, arg)).toBe(want);
  });

  it("clamps .. at the root, like a chroot", () => {
    expect(resolvePath("/", "..")).toBe("/");
    expect(resolvePath("/", "../../../etc/passwd")).toBe("/etc/passwd");
    expect(resolvePath("/a", "/../../b")).toBe("/b");
    expect(resolvePath("/a/b", "../../../../..")).toBe("/");
    expect(resolvePath("/a/b", "../../../x/../../y")).toBe("/y");
  });

  it("keeps backslashes as name characters", () => {
    expect(resolvePath("/", "a\\b")).toBe("/a\\b");
    expect(resolvePath("/d", "..\\..\\etc")).toBe("/d/..\\..\\etc");
    expect(resolvePath("/", "\\")).toBe("/\\");
  });

  it("normalises a sloppy cwd too", () => {
    expect(resolvePath("a//b/./", "c")).toBe("/a/b/c");
    expect(resolvePath("/a/../..", "c")).toBe("/c");
  });

  it.each(["a\0b", "a\rb", "a\nb", "\r\n", "/x\0"])("refuses NUL, CR, LF in %j with EINVAL", (arg) => {
    expect(codeOf(() => resolvePath("/", arg))).toBe("EINVAL");
  });

  it("refuses control characters in the cwd when it is used", () => {
    expect(codeOf(() => resolvePath("/a\nb", "c"))).toBe("EINVAL");
    // An absolute argument does not look at the cwd at all.
    expect(resolvePath("/a\nb", "/c")).toBe("/c");
  });

  it("always yields a path starting with / and without a trailing /", () => {
    const parts = ["", ".", "..", "a", "b", "/", "//", "a/", "../a"];
    // Bounded: 9^3 combinations.
    for (const x of parts) {
      for (const y of parts) {
        for (const z of parts) {
          const r = resolvePath("/" + x, y + "/" + z);
          expect(r.startsWith("/")).toBe(true);
          expect(r === "/" || !r.endsWith("/")).toBe(true);
          expect(r.split("/").includes("..")).toBe(false);
          expect(r.split("/").includes(".")).toBe(false);
          expect(r.includes("//")).toBe(false);
          expect(resolvePath("/", r)).toBe(r);
        }
      }
    }
  });
});

describe("baseName / dirName / joinPath", () => {
  it.each([
    ["/", "/", "/"],
    ["/a", "a", "/"],
    ["/a/b.txt", "b.txt", "/a"],
    ["/a/b/c", "c", "/a/b"],
    ["/a/b/", "b", "/a"],
  ])("%j -> base %j, dir %j", (p, base, dir) => {
    expect(baseName(p)).toBe(base);
    expect(dirName(p)).toBe(dir);
  });

  it("joins a directory and an entry name", () => {
    expect(joinPath("/", "a")).toBe("/a");
    expect(joinPath("/a", "b.txt")).toBe("/a/b.txt");
    expect(joinPath("/a/", "b")).toBe("/a/b");
    expect(joinPath("/a", "x\\y")).toBe("/a/x\\y");
  });

  it.each(["", ".", "..", "a/b", "/", "a\0"])("refuses %j as an entry name", (name) => {
    expect(codeOf(() => joinPath("/a", name))).toBe("EINVAL");
  });

  it("dirName and baseName put a path back together", () => {
    for (const p of ["/a", "/a/b", "/x/y/z.txt"]) {
      expect(joinPath(dirName(p), baseName(p))).toBe(p);
    }
  });
});

describe("compareNames", () => {
  it("orders by code unit, not locale", () => {
    expect(["b", "B", "a", "_", "A", "ä", "10", "9"].sort(compareNames)).toEqual([
      "10",
      "9",
      "A",
      "B",
      "_",
      "a",
      "b",
      "ä",
    ]);
  });
});
