import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProfileError } from "./errors.js";
import { listProfiles, loadProfile, parseProfile, parseProfileText, profileFile } from "./loader.js";
import { validProfile, withField } from "./test-support.js";

let dir = "";
let boardsDir: URL;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-board-"));
  boardsDir = pathToFileURL(`${dir}/`);
  await writeFile(join(dir, "test-board.json"), JSON.stringify(validProfile()));
  await writeFile(join(dir, "renamed.json"), JSON.stringify(validProfile()));
  await writeFile(join(dir, "broken.json"), '{\n  "name": "broken",\n}\n');
  await writeFile(join(dir, "bad-field.json"), JSON.stringify(withField("tcp.mss", "536")));
  await writeFile(join(dir, "notes.txt"), "not a profile");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(run: Promise<unknown>): Promise<ProfileError> {
  const err: unknown = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProfileError)) throw new Error(`expected a ProfileError, got ${String(err)}`);
  return err;
}

describe("loadProfile", () => {
  it("loads a path ending in .json", async () => {
    const profile = await loadProfile(join(dir, "test-board.json"));
    expect(profile.mtu).toBe(1500);
  });

  it("remembers the file each profile came from (the firmware build reads that file)", async () => {
    expect(profileFile(await loadProfile(join(dir, "test-board.json")))).toBe(join(dir, "test-board.json"));
    expect(profileFile(await loadProfile("test-board", { boardsDir }))).toBe(join(dir, "test-board.json"));
    expect(profileFile(parseProfile(validProfile(), "memory"))).toBeUndefined();
  });

  it("looks a bare name up in the boards directory", async () => {
    expect((await loadProfile("test-board", { boardsDir })).name).toBe("test-board");
  });

  it("wants a bare-named profile to carry its file's name", async () => {
    const err = await failure(loadProfile("renamed", { boardsDir }));
    expect(err.message).toBe('boards/renamed.json: name: must be the file\'s name ("renamed"), got "test-board"');
  });

  it("names the file and field of a schema violation", async () => {
    const path = join(dir, "bad-field.json");
    const err = await failure(loadProfile(path));
    expect(err.file).toBe(path);
    expect(err.issues).toEqual([{ path: "tcp.mss", message: 'must be an integer from 64 to 65535, got "536"' }]);
    expect(err.message).toBe(`${path}: tcp.mss: must be an integer from 64 to 65535, got "536"`);
  });

  it("says where JSON is broken", async () => {
    const err = await failure(loadProfile("broken", { boardsDir }));
    expect(err.message).toMatch(/^boards\/broken\.json: not valid JSON: .* \(line 3, column 1\)$/);
  });

  it("lists the known boards for an unknown name", async () => {
    const err = await failure(loadProfile("nope", { boardsDir }));
    expect(err.message).toBe(
      "boards/nope.json: no such board profile (available: bad-field, broken, renamed, test-board)",
    );
  });

  it("says so when a .json path does not exist", async () => {
    const path = join(dir, "missing.json");
    expect((await failure(loadProfile(path))).message).toBe(`${path}: no such file`);
  });

  it("refuses something that is neither a name nor a .json path", async () => {
    const err = await failure(loadProfile("../etc/passwd", { boardsDir }));
    expect(err.message).toBe(
      "../etc/passwd: not a board name (lower-case letters, digits and dashes) nor a path ending in .json",
    );
  });

  it("finds the package's own boards by default", async () => {
    expect((await loadProfile("native-sim")).mtu).toBe(1500);
  });
});

describe("listProfiles", () => {
  it("lists .json files with profile names, sorted", async () => {
    expect(await listProfiles({ boardsDir })).toEqual(["bad-field", "broken", "renamed", "test-board"]);
  });

  it("skips the schema file shipped beside the profiles", async () => {
    expect(await listProfiles()).not.toContain("profile.schema");
  });
});

describe("parseProfileText", () => {
  it("returns a frozen profile", () => {
    const profile = parseProfileText(JSON.stringify(validProfile()), "x.json");
    expect(Object.isFrozen(profile)).toBe(true);
    expect(Object.isFrozen(profile.addresses)).toBe(true);
  });
});
