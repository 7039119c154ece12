import { describe, expect, it } from "vitest";
import type { FileInfo } from "../fs/types.js";
import {
  MLST_FACTS,
  formatListLine,
  formatMlsxLine,
  parseListLine,
  parseListing,
  parseMlsd,
  parseMlsxLine,
} from "./listing.js";

const NOW = new Date(Date.UTC(2024, 5, 15, 12, 0, 0));
const utc = (y: number, mo: number, d: number, h = 0, mi = 0): Date => new Date(Date.UTC(y, mo - 1, d, h, mi));

function file(name: string, extra: Partial<FileInfo> = {}): FileInfo {
  return { name, type: "file", size: 28, mtime: utc(2024, 4, 2, 8, 5), ...extra };
}

describe("formatListLine rfc", () => {
  it("formats a recent file with the time", () => {
    expect(formatListLine(file("test.txt"), { style: "rfc", now: NOW })).toBe(
      "-rw-r--r-- 1 owner group         28 Apr  2 08:05 test.txt",
    );
  });

  it("formats an old directory with the year, and mode bits", () => {
    const dir: FileInfo = { name: "dir", type: "dir", size: 4096, mtime: utc(2023, 3, 14, 9, 26) };
    expect(formatListLine(dir, { style: "rfc", now: NOW })).toBe("drwxr-xr-x 1 owner group       4096 Mar 14  2023 dir");
    expect(formatListLine(file("x", { mode: 0o750 }), { style: "rfc", now: NOW })).toMatch(/^-rwxr-x--- /);
  });

  it("strips write bits for read-only entries", () => {
    expect(formatListLine(file("ro", { readOnly: true }), { style: "rfc", now: NOW })).toMatch(/^-r--r--r-- /);
    expect(formatListLine({ ...file("d", { readOnly: true }), type: "dir" }, { style: "rfc", now: NOW })).toMatch(
      /^dr-xr-xr-x /,
    );
  });

  it("formats links and other types", () => {
    const link: FileInfo = { name: "cur", type: "link", size: 7, mtime: utc(2024, 6, 1), target: "release 1", mode: 0o777 };
    expect(formatListLine(link, { style: "rfc", now: NOW })).toBe(
      "lrwxrwxrwx 1 owner group          7 Jun  1 00:00 cur -> release 1",
    );
    expect(formatListLine({ ...file("fifo"), type: "other" }, { style: "rfc", now: NOW })).toMatch(/^prw-r--r-- /);
  });

  it("uses the year for dates more than 180 days in the future", () => {
    expect(formatListLine(file("f", { mtime: utc(2025, 6, 1) }), { style: "rfc", now: NOW })).toContain("Jun  1  2025 f");
  });

  it("keeps CR/LF in names from splitting the listing", () => {
    expect(formatListLine(file("a\r\nb"), { style: "rfc", now: NOW })).toMatch(/ a\?\?b$/);
  });

  it("round-trips through parseListLine", () => {
    for (const info of [file("name with  spaces "), file("old", { mtime: utc(2020, 1, 31) }), { ...file("d"), type: "dir" as const }]) {
      const e = parseListLine(formatListLine(info, { style: "rfc", now: NOW }), NOW);
      expect(e?.name).toBe(info.name);
      expect(e?.type).toBe(info.type);
      expect(e?.size).toBe(info.size);
      expect(e?.mtime?.getTime()).toBe(info.mtime.getTime());
    }
  });
});

describe("formatListLine netx", () => {
  it("matches the NetX Duo regression test byte for byte", () => {
    expect(formatListLine(file("test.txt"), { style: "netx", now: NOW })).toBe(
      "-rw-rw-rw-  1 owner group         28 APR 02 08:05 test.txt",
    );
  });

  it("marks directories and read-only files, never shows a year", () => {
    const dir: FileInfo = { name: "abc", type: "dir", size: 0, mtime: utc(2001, 12, 9, 23, 7) };
    expect(formatListLine(dir, { style: "netx", now: NOW })).toBe("drw-rw-rw-  1 owner group          0 DEC 09 23:07 abc");
    expect(formatListLine(file("ro", { readOnly: true, size: 1234567890 }), { style: "netx", now: NOW })).toBe(
      "-r--r--r--  1 owner group 1234567890 APR 02 08:05 ro",
    );
  });

  it("is 52 bytes plus the name with CRLF, as NetX sizes its packets", () => {
    expect(formatListLine(file(""), { style: "netx", now: NOW }).length + 2).toBe(52);
  });
});

describe("formatMlsxLine", () => {
  it("writes all supported facts in order", () => {
    expect(MLST_FACTS).toEqual(["type", "size", "modify", "perm", "unix.mode"]);
    expect(formatMlsxLine(file("test.txt", { mode: 0o644 }))).toBe(
      "type=file;size=28;modify=20240402080500;perm=rwadf;unix.mode=0644; test.txt",
    );
    expect(formatMlsxLine(file("test.txt"))).toBe("type=file;size=28;modify=20240402080500;perm=rwadf; test.txt");
  });

  it("writes only the selected facts, case-insensitively", () => {
    expect(formatMlsxLine(file("a;b c", { mode: 0o600 }), { facts: ["Size", "TYPE"] })).toBe("type=file;size=28; a;b c");
    expect(formatMlsxLine(file("x"), { facts: [] })).toBe(" x");
  });

  it("handles directories, cdir, pdir and read-only", () => {
    const dir: FileInfo = { name: "d", type: "dir", size: 4096, mtime: utc(2024, 4, 2, 8, 5), mode: 0o755 };
    expect(formatMlsxLine(dir)).toBe("type=dir;modify=20240402080500;perm=elcmfp;unix.mode=0755; d");
    expect(formatMlsxLine(dir, { cdir: true, facts: ["type", "perm"] })).toBe("type=cdir;perm=elcmfp; d");
    expect(formatMlsxLine(dir, { pdir: true, facts: ["type"] })).toBe("type=pdir; d");
    expect(formatMlsxLine({ ...dir, readOnly: true }, { facts: ["perm", "unix.mode"] })).toBe("perm=el;unix.mode=0555; d");
    expect(formatMlsxLine(file("f", { readOnly: true }), { facts: ["perm"] })).toBe("perm=r; f");
  });

  it("round-trips through parseMlsxLine", () => {
    const e = parseMlsxLine(formatMlsxLine(file("semi;colon name.txt", { mode: 0o640 })));
    expect(e).toMatchObject({ name: "semi;colon name.txt", type: "file", size: 28, permissions: "rwadf" });
    expect(e?.mtime?.getTime()).toBe(utc(2024, 4, 2, 8, 5).getTime());
    expect(e?.facts?.["unix.mode"]).toBe("0640");
  });
});

describe("parseListLine unix", () => {
  it("parses vsftpd", () => {
    expect(parseListLine("-rw-r--r--    1 1000     1000         4096 Mar 14 09:26 file.txt", NOW)).toEqual({
      name: "file.txt",
      type: "file",
      size: 4096,
      mtime: utc(2024, 3, 14, 9, 26),
      permissions: "rw-r--r--",
    });
    expect(parseListLine("drwxr-xr-x    2 0        0            4096 Jan 01  2020 pub", NOW)).toMatchObject({
      name: "pub",
      type: "dir",
      mtime: utc(2020, 1, 1),
    });
  });

  it("parses pure-ftpd and ProFTPD", () => {
    expect(parseListLine("-rw-r--r--    1 user       group            28 Apr  2 08:05 test.txt", NOW)).toMatchObject({
      name: "test.txt",
      size: 28,
      mtime: utc(2024, 4, 2, 8, 5),
    });
    expect(parseListLine("-rw-r--r--   1 ftp      ftp    1073741824000 Dec 31  1999 big.bin\r", NOW)).toMatchObject({
      name: "big.bin",
      size: 1073741824000,
      mtime: utc(1999, 12, 31),
    });
    expect(parseListLine("drwxr-sr-x+  3 proftpd  nogroup       4096 Jun 15 11:00 acl dir", NOW)).toMatchObject({
      name: "acl dir",
      type: "dir",
      permissions: "rwxr-sr-x",
    });
  });

  it("parses NetX (upper-case month, no year)", () => {
    expect(parseListLine("-rw-rw-rw-  1 owner group         28 APR 02 08:05 test.txt", NOW)).toEqual({
      name: "test.txt",
      type: "file",
      size: 28,
      mtime: utc(2024, 4, 2, 8, 5),
      permissions: "rw-rw-rw-",
    });
    expect(parseListLine("drw-rw-rw-  1 owner group          0 DEC 09 23:07 abc", NOW)).toMatchObject({
      type: "dir",
      mtime: utc(2023, 12, 9, 23, 7),
    });
  });

  it("gives a year-less date the latest year not in the future, with one day of slack", () => {
    expect(parseListLine("-rw-r--r-- 1 a b 1 Jun 16 11:00 tomorrow", NOW)?.mtime).toEqual(utc(2024, 6, 16, 11, 0));
    expect(parseListLine("-rw-r--r-- 1 a b 1 Jun 17 11:00 later", NOW)?.mtime).toEqual(utc(2023, 6, 17, 11, 0));
    const jan1 = new Date(Date.UTC(2025, 0, 1, 0, 30));
    expect(parseListLine("-rw-r--r-- 1 a b 1 Dec 31 23:59 nye", jan1)?.mtime).toEqual(utc(2024, 12, 31, 23, 59));
  });

  it("keeps spaces in names, including leading and trailing ones", () => {
    expect(parseListLine("-rw-r--r-- 1 a b 5 Apr  2 08:05 my  file ", NOW)?.name).toBe("my  file ");
    expect(parseListLine("-rw-r--r-- 1 a b 5 Apr  2 08:05  lead", NOW)?.name).toBe(" lead");
    expect(parseListLine("-rw-r--r-- 1 a b 5 Apr  2 08:05 Apr  2 08:05 x", NOW)?.name).toBe("Apr  2 08:05 x");
  });

  it("splits symlinks", () => {
    expect(parseListLine("lrwxrwxrwx    1 0        0               7 Mar 14 09:26 my link -> ../target dir", NOW)).toMatchObject({
      name: "my link",
      type: "link",
      size: 7,
      target: "../target dir",
    });
    expect(parseListLine("lrwxrwxrwx 1 0 0 7 Mar 14 09:26 dangling", NOW)).toMatchObject({ name: "dangling", type: "link" });
    expect(parseListLine("lrwxrwxrwx 1 0 0 7 Mar 14 09:26 a -> b -> c", NOW)).toMatchObject({ name: "a", target: "b -> c" });
    // Only links are split: " -> " is a legal part of a file name.
    expect(parseListLine("-rw-r--r-- 1 0 0 7 Mar 14 09:26 a -> b", NOW)?.name).toBe("a -> b");
  });

  it("handles a missing group column and a missing link count", () => {
    expect(parseListLine("-rw-r--r--   1 ftp            28 Apr  2 08:05 nogroup.txt", NOW)).toMatchObject({
      name: "nogroup.txt",
      size: 28,
    });
    expect(parseListLine("-rw-r--r--   1 1000 28 Apr  2 08:05 numeric.txt", NOW)).toMatchObject({ size: 28 });
    expect(parseListLine("drwxr-xr-x folder        0 Jan  1  2020 nolinks", NOW)).toMatchObject({
      name: "nolinks",
      type: "dir",
      size: 0,
    });
  });

  it("maps device, fifo and socket entries to other", () => {
    expect(parseListLine("crw-rw-rw-   1 root root   1,   3 Apr  2 08:05 null", NOW)).toMatchObject({ name: "null", type: "other" });
    expect(parseListLine("srwxrwxrwx   1 root root   0 Apr  2 08:05 sock", NOW)?.type).toBe("other");
  });

  it("returns undefined for total, blank and garbage lines", () => {
    for (const line of [
      "total 12",
      "total 0",
      "",
      "   ",
      "\r",
      "hello world",
      "-rw-r--r-- 1 a b 28 Foo 02 08:05 x",
      "-rw-r--r-- 1 a b 28 Apr 32 08:05 x",
      "-rw-r--r-- 1 a b 28 Apr 02 25:05 x",
      "-rw-r--r-- 1 a b 28 Apr 02 08:05",
      "-rw-r--r-- 1 a b 28 Apr 02 08:05 ",
      "-rw-r--r-- 1 a b xx Apr 02 08:05 x",
      "-rw-r--r-Z 1 a b 28 Apr 02 08:05 x",
      "Xrw-r--r-- 1 a b 28 Apr 02 08:05 x",
    ]) {
      expect(parseListLine(line, NOW), JSON.stringify(line)).toBeUndefined();
    }
  });

  it("is linear on a hostile line", () => {
    const line = `-rw-r--r-- 1 ${"a ".repeat(100_000)}`;
    expect(parseListLine(line, NOW)).toBeUndefined();
  });
});

describe("parseListLine DOS/IIS", () => {
  it("parses directories and files with 2- and 4-digit years", () => {
    expect(parseListLine("04-02-24  08:05AM       <DIR>          name", NOW)).toEqual({
      name: "name",
      type: "dir",
      size: 0,
      mtime: utc(2024, 4, 2, 8, 5),
    });
    expect(parseListLine("04-02-2024  08:05PM  28 name with spaces.txt", NOW)).toEqual({
      name: "name with spaces.txt",
      type: "file",
      size: 28,
      mtime: utc(2024, 4, 2, 20, 5),
    });
  });

  it("handles 12 AM/PM, 24-hour times, comma sizes and old years", () => {
    expect(parseListLine("01-01-99  12:00AM  1,234,567 a", NOW)).toMatchObject({ size: 1234567, mtime: utc(1999, 1, 1, 0, 0) });
    expect(parseListLine("01-01-24  12:30PM  1 b", NOW)?.mtime).toEqual(utc(2024, 1, 1, 12, 30));
    expect(parseListLine("01-01-2024  17:45  1 c", NOW)?.mtime).toEqual(utc(2024, 1, 1, 17, 45));
  });

  it("rejects malformed DOS lines", () => {
    for (const line of [
      "13-01-24  08:05AM  1 a",
      "01-01-24  13:05PM  1 a",
      "01-01-24  08:05AM  <FILE> a",
      "01/01/24  08:05AM  1 a",
      "01-01-24  08:05AM  1",
      "2024-01-01 08:05 1 a",
    ]) {
      expect(parseListLine(line, NOW), line).toBeUndefined();
    }
  });
});

describe("parseListing", () => {
  it("skips total, blank, . and .. lines and handles CRLF", () => {
    const text = [
      "total 8",
      "drw-rw-rw-  1 owner group          0 APR 02 08:05 .",
      "drw-rw-rw-  1 owner group          0 APR 02 08:05 ..",
      "-rw-rw-rw-  1 owner group         28 APR 02 08:05 test2.txt",
      "",
    ].join("\r\n");
    expect(parseListing(text, NOW).map((e) => e.name)).toEqual(["test2.txt"]);
  });

  it("parses an empty listing", () => {
    expect(parseListing("", NOW)).toEqual([]);
    expect(parseListing("total 0\r\n", NOW)).toEqual([]);
  });

  it("parses mixed unix and DOS lines", () => {
    const text = "04-02-24  08:05AM       <DIR>          win\n-rw-r--r-- 1 a b 1 Apr  2 08:05 unix\n";
    expect(parseListing(text, NOW).map((e) => [e.name, e.type])).toEqual([
      ["win", "dir"],
      ["unix", "file"],
    ]);
  });
});

describe("parseMlsxLine", () => {
  it("parses facts case-insensitively and keeps them all", () => {
    const e = parseMlsxLine("Type=file;Size=28;Modify=20240402080500.123;Perm=rwadf;UNIX.mode=0644;unix.owner=1000;unix.group=1000; test.txt");
    expect(e).toEqual({
      name: "test.txt",
      type: "file",
      size: 28,
      mtime: new Date(utc(2024, 4, 2, 8, 5).getTime() + 123),
      permissions: "rwadf",
      facts: {
        type: "file",
        size: "28",
        modify: "20240402080500.123",
        perm: "rwadf",
        "unix.mode": "0644",
        "unix.owner": "1000",
        "unix.group": "1000",
      },
    });
  });

  it("keeps ';' and spaces in names", () => {
    expect(parseMlsxLine("type=file;size=1; a;b=c; d ")?.name).toBe("a;b=c; d ");
    expect(parseMlsxLine("type=dir;modify=20240402080500;  two leading")?.name).toBe(" two leading");
    expect(parseMlsxLine(" no facts")).toEqual({ name: "no facts", type: "other", size: 0, facts: {} });
  });

  it("maps types, including symlinks with and without target", () => {
    expect(parseMlsxLine("type=cdir; /home")).toMatchObject({ type: "dir", name: "/home" });
    expect(parseMlsxLine("type=PDIR; ..")?.type).toBe("dir");
    expect(parseMlsxLine("type=OS.unix=slink:/etc/target;size=11; link")).toMatchObject({
      type: "link",
      target: "/etc/target",
      facts: { type: "OS.unix=slink:/etc/target" },
    });
    expect(parseMlsxLine("type=OS.unix=symlink; l2")?.type).toBe("link");
    expect(parseMlsxLine("type=OS.unix=blkdev; sda")?.type).toBe("other");
  });

  it("uses sizd for directories and ignores bad sizes and dates", () => {
    expect(parseMlsxLine("type=dir;sizd=4096; d")?.size).toBe(4096);
    const e = parseMlsxLine("type=file;size=big;modify=2024; f");
    expect(e?.size).toBe(0);
    expect(e?.mtime).toBeUndefined();
  });

  it("returns undefined without a space or a name", () => {
    expect(parseMlsxLine("type=file;size=1;")).toBeUndefined();
    expect(parseMlsxLine("type=file;size=1; ")).toBeUndefined();
    expect(parseMlsxLine("")).toBeUndefined();
  });
});

describe("parseMlsd", () => {
  it("skips cdir and pdir and handles CRLF", () => {
    const text = [
      "type=cdir;modify=20240402080500;perm=el; .",
      "type=pdir;modify=20240402080500;perm=el; ..",
      "type=file;size=28;modify=20240402080500;perm=rwadf; test.txt",
      "type=dir;modify=20240402080500;perm=elcmfp; sub dir",
      "",
    ].join("\r\n");
    expect(parseMlsd(text).map((e) => [e.name, e.type])).toEqual([
      ["test.txt", "file"],
      ["sub dir", "dir"],
    ]);
  });
});
