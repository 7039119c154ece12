// Finding, reading and validating board profiles: a bare name is a file in the package's boards/ directory,
// anything ending in .json is a path. Every failure is a ProfileError naming the file.
import { readdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { crossFieldIssues } from "./checks.js";
import { ProfileError } from "./errors.js";
import type { BoardProfile } from "./profile.js";
import { PROFILE_SCHEMA } from "./schema.js";
import { validateAgainst } from "./validate.js";

/** The package's boards/ directory, found from this module so it works from src/ (tests) and dist/. */
export const BOARDS_DIR = new URL("../../boards/", import.meta.url);

const NAME = new RegExp(PROFILE_SCHEMA.properties.name.pattern, "u");

/** The absolute path each loaded profile came from: the firmware build takes the file itself. */
const SOURCES = new WeakMap<BoardProfile, string>();

/** The file loadProfile() read `profile` from (absolute), or undefined for a profile built in memory. */
export function profileFile(profile: BoardProfile): string | undefined {
  return SOURCES.get(profile);
}

/** Validates a parsed JSON value as a profile; throws ProfileError listing every problem found. */
export function parseProfile(value: unknown, file: string): BoardProfile {
  const issues = validateAgainst(PROFILE_SCHEMA, value);
  if (issues.length > 0) throw new ProfileError(file, issues);
  // The schema held, so the value has the profile's shape.
  const profile = value as BoardProfile;
  const crossIssues = crossFieldIssues(profile);
  if (crossIssues.length > 0) throw new ProfileError(file, crossIssues);
  return deepFreeze(profile);
}

/** Parses JSON text as a profile; `file` is only used in error messages. */
export function parseProfileText(text: string, file: string): BoardProfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProfileError(file, [{ path: "", message: `not valid JSON: ${jsonProblem(err, text)}` }]);
  }
  return parseProfile(value, file);
}

export interface ProfileDirectory {
  /** Where bare names are looked up; BOARDS_DIR unless given. */
  readonly boardsDir?: URL;
}

/**
 * Loads boards/NAME.json for a bare name (its `name` must be NAME), or the given file for a path ending
 * in ".json" (relative to the working directory).
 */
export async function loadProfile(nameOrFile: string, options: ProfileDirectory = {}): Promise<BoardProfile> {
  if (nameOrFile.endsWith(".json")) {
    const fromFile = parseProfileText(await read(nameOrFile, nameOrFile), nameOrFile);
    SOURCES.set(fromFile, resolve(nameOrFile));
    return fromFile;
  }
  const dir = options.boardsDir ?? BOARDS_DIR;
  const label = `boards/${nameOrFile}.json`;
  if (!NAME.test(nameOrFile)) {
    throw new ProfileError(nameOrFile, [
      { path: "", message: "not a board name (lower-case letters, digits and dashes) nor a path ending in .json" },
    ]);
  }
  const url = new URL(`${nameOrFile}.json`, dir);
  const path = fileURLToPath(url);
  const profile = parseProfileText(await read(path, label, dir), label);
  if (profile.name !== nameOrFile) {
    throw new ProfileError(label, [
      {
        path: "name",
        message: `must be the file's name (${JSON.stringify(nameOrFile)}), got ${JSON.stringify(profile.name)}`,
      },
    ]);
  }
  SOURCES.set(profile, path);
  return profile;
}

/** Names of the profiles in boards/ (the package's, unless options.boardsDir), sorted. */
export async function listProfiles(options: ProfileDirectory = {}): Promise<string[]> {
  const entries = await readdir(options.boardsDir ?? BOARDS_DIR, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".json") && NAME.test(entry.name.slice(0, -5)))
    .map((entry) => entry.name.slice(0, -5))
    .sort();
}

/** Reads a profile file; `boardsDir` is set when `path` came from a bare name, to list the alternatives. */
async function read(path: string, label: string, boardsDir?: URL): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && boardsDir !== undefined) {
      const known = await listProfiles({ boardsDir }).catch(() => []);
      throw new ProfileError(label, [{ path: "", message: `no such board profile (available: ${known.join(", ")})` }]);
    }
    const why = code === "ENOENT" ? "no such file" : `cannot read it (${code ?? String(err)})`;
    throw new ProfileError(label, [{ path: "", message: why }]);
  }
}

// V8 reports "... in JSON at position N"; a line and column is what an editor can jump to.
function jsonProblem(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const at = / in JSON at position (\d+)/.exec(message);
  if (at === null) return message;
  const offset = Number(at[1]);
  const before = text.slice(0, offset).split("\n");
  const line = before.length;
  const column = (before[before.length - 1] ?? "").length + 1;
  return `${message.slice(0, at.index)} (line ${line}, column ${column})`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
