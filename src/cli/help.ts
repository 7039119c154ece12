// The help texts, rendered from each command's CommandHelp: `hilftp --help` (commands, URLs, exit
// codes, the error convention) and `hilftp CMD --help` (usage, options, the shared option groups
// that apply, examples). The shared groups are written once here.
import type { Command, CommandHelp } from "./command.js";
import { EXIT_HELP } from "./errors.js";

type SharedGroup = NonNullable<CommandHelp["shared"]>[number];

export const SHARED_OPTIONS: { readonly [G in SharedGroup]: { readonly title: string; readonly lines: readonly string[] } } = {
  client: {
    title: "client options",
    lines: [
      "  --active              active mode (the server connects back) instead of passive",
      "  --timeout SECONDS     give up when a reply or the data stalls this long (default 30)",
    ],
  },
  tunnel: {
    title: "tunnel options (over SLIP to a board instead of the host's TCP/IP)",
    lines: [
      "  --board NAME|FILE.json  a profile from boards/ (hilftp boards) or a file: link, MTU, addresses,",
      "                        FTP port/user/password; \"board\" in a URL is its address",
      "  --link SPEC           serial:/dev/ttyACM0[@BAUD], tcp:HOST:PORT, tcp-listen:HOST:PORT, unix:PATH,",
      "                        unix-listen:PATH, sim[:EXE], qemu[:ELF] (start the board, built if needed)",
      "  --mtu N               link MTU (default: the profile's, else 1500)",
      "  --local-ip A --peer-ip B      IPv4 of the host and the board (default 198.51.100.1, .2)",
      "  --local-ip6 A --peer-ip6 B    IPv6 of the host and the board (default 2001:db8::1, ::2)",
      "  --pcap FILE           write the link's packets to FILE (Wireshark)",
      "  --baud N              emulate a UART of N baud on a link that does not throttle",
      "  --faults SPEC         inject faults: drop=0.02,corrupt=0.01,dup=0.01,reorder=0.02,seed=7",
      "  --ready-timeout SECONDS  wait this long for the board to answer ping first (default 10;",
      "                        0: do not wait; not for tun)",
    ],
  },
  output: {
    title: "output options (every command)",
    lines: [
      '  --json                machine-readable output on stdout; an error adds {"error":{...}} there',
      "  -v, --verbose         FTP dialogue (> sent, < received) and link events on stderr, timestamped",
      "  -h, --help            this help",
    ],
  },
};

export function commandHelp(command: Command): string {
  const h = command.help;
  const out: string[] = [`hilftp ${command.name}: ${h.summary}`, "", "usage:"];
  for (const u of h.usage) out.push(`  hilftp ${u}`);
  if (h.options && h.options.length > 0) out.push("", "options:", ...h.options);
  for (const group of h.shared ?? []) out.push("", `${SHARED_OPTIONS[group].title}:`, ...SHARED_OPTIONS[group].lines);
  out.push("", "examples:", ...h.examples.map((e) => `  ${e}`));
  return `${out.join("\n")}\n`;
}

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4) + 2;
  const out: string[] = [
    "usage: hilftp COMMAND [options]     (hilftp COMMAND --help: its options and examples)",
    "",
    "An FTP server and client for boards reached over SLIP on a serial line (or host TCP).",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.help.summary}`),
    "",
    "URLs: ftp://[USER[:PASSWORD]@]HOST[:PORT]/PATH   (IPv6: ftp://[::1]:2121/; with --board or --link,",
    "      HOST \"board\" is the board's address and the profile gives port, user and password)",
    "",
    "global options (anywhere on the line):",
    ...SHARED_OPTIONS.output.lines,
    "",
    "exit codes:",
    ...EXIT_HELP,
    "",
    "errors: one line on stderr, \"hilftp COMMAND: what went wrong: what to do\". With --json, also one",
    'line on stdout: {"error":{"message":"...","code":"board-silent","exit":3}}',
  ];
  return `${out.join("\n")}\n`;
}
