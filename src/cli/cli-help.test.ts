// `hilftp --help` and `hilftp CMD --help` for every command, as a user runs them (the built CLI):
// usage, an example, the shared option groups, exit 0; the global flags anywhere on the line; an
// unknown command is one line and exit 2.
import { describe, expect, it } from "vitest";
import { runCli } from "../board/launch-test-support.js";
import { COMMANDS } from "./commands.js";

describe("hilftp --help", () => {
  it("lists every command with its summary, the exit codes and the JSON error convention", async () => {
    const r = await runCli(["--help"], {}, 20_000);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +\\S`, "m"));
    for (const code of ["0", "1", "2", "3", "130"]) expect(r.stdout).toMatch(new RegExp(`^  ${code} +\\S`, "m"));
    expect(r.stdout).toMatch(/\{"error":\{"message":/);
  });

  it("with no command prints the help and exits 2", async () => {
    const r = await runCli([], {}, 20_000);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^usage: hilftp COMMAND/);
  });

  it("an unknown command: one line pointing at --help, exit 2", async () => {
    const r = await runCli(["frobnicate", "--json"], {}, 20_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hilftp: unknown command "frobnicate" (try hilftp --help)\n');
    expect(JSON.parse(r.stdout)).toEqual({ error: { message: 'unknown command "frobnicate" (try hilftp --help)', code: "usage", exit: 2 } });
  });
});

describe.each(COMMANDS.map((c) => [c.name, c] as const))("hilftp %s --help", (name, command) => {
  it("prints usage, options, the shared groups and an example; exit 0", async () => {
    const r = await runCli([name, "--help"], {}, 20_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(new RegExp(`^usage:\\n  hilftp ${name}\\b`, "m"));
    expect(r.stdout).toMatch(new RegExp(`^examples:\\n  (?:sudo )?hilftp ${name}\\b`, "m"));
    const shared = command.help.shared ?? [];
    if (shared.includes("client")) expect(r.stdout).toMatch(/^client options:\n {2}--active/m);
    if (shared.includes("tunnel")) expect(r.stdout).toMatch(/^tunnel options .*:\n {2}--board/m);
    if (shared.includes("output")) expect(r.stdout).toMatch(/^output options .*:\n {2}--json/m);
    // -h anywhere, and `hilftp help CMD`, say the same
    const short = await runCli(["-h", name], {}, 20_000);
    expect(short.stdout).toBe(r.stdout);
    const topic = await runCli(["help", name], {}, 20_000);
    expect(topic.stdout).toBe(r.stdout);
  });
});
