// The README's promises that code can check: its first lines are the two commands (demo, all
// tests), every `npm run X` it names is a script, and the example code it shows is, line for
// line, hil-tests/{example,library,layers}.test.ts — which CI runs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { scripts: Record<string, string> };

describe("README", () => {
  it("opens with the demo command and the test command", () => {
    const first = /^# hilftp\n+```sh\n([^`]*)```/.exec(readme);
    expect(first?.[1]).toMatch(/^npm ci && npm run demo\b.*\nnpm ci && npm test\b/);
  });

  it("names only npm scripts that exist", () => {
    const named = [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(2);
    expect(named.filter((n) => !(n in pkg.scripts))).toEqual([]);
  });

  it.each(["example", "library", "layers"])("shows hil-tests/%s.test.ts verbatim from its first import", (name) => {
    const file = readFileSync(new URL(`hil-tests/${name}.test.ts`, root), "utf8");
    const body = file.slice(file.indexOf("import "));
    expect(readme).toContain("```ts\n" + body + "```");
  });
});
