// Rules that JSON Schema cannot say, checked once a profile has the schema's shape: fields that must agree
// with each other, and addresses a tunnel must not use.
import { BlockList } from "node:net";
import type { ProfileIssue } from "./errors.js";
import { DEFAULT_IPV6_PREFIX_LENGTH, type BoardProfile } from "./profile.js";

/** NX_FTP_USERNAME_SIZE / NX_FTP_PASSWORD_SIZE are 20 bytes with the NUL: longer names are cut short. */
const NETX_CREDENTIAL_CHARS = 19;

function subnets(family: "ipv4" | "ipv6", list: readonly (readonly [string, number])[]): BlockList {
  const blocks = new BlockList();
  for (const [network, prefix] of list) blocks.addSubnet(network, prefix, family);
  return blocks;
}

// The build machines' own uplink is 192.0.2.0/24 (TEST-NET-1): a tunnel using it would shadow their route.
const FORBIDDEN_V4 = subnets("ipv4", [["192.0.2.0", 24]]);
const NOT_UNICAST_V4 = subnets("ipv4", [
  ["0.0.0.0", 8],
  ["127.0.0.0", 8],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
]);
const NOT_UNICAST_V6 = subnets("ipv6", [
  ["::", 128],
  ["::1", 128],
  ["::ffff:0:0", 96],
  ["ff00::", 8],
]);

export function crossFieldIssues(profile: BoardProfile): ProfileIssue[] {
  return [
    ...linkIssues(profile),
    ...rtoIssues(profile),
    ...addressIssues(profile),
    ...ftpIssues(profile),
    ...firmwareIssues(profile),
  ];
}

function linkIssues({ link, qemu }: BoardProfile): ProfileIssue[] {
  // The qemu link kind has no machine to guess; the sim kind builds the native target for any profile.
  if (/^qemu(:|$)/.test(link.spec) && qemu === undefined) {
    return [{ path: "link.spec", message: "is a qemu link: the profile needs a qemu section (machine, firmware)" }];
  }
  const at = /^serial:.*@(\d+)$/.exec(link.spec);
  if (at === null || Number(at[1]) === link.baud) return [];
  return [{ path: "link.baud", message: `must equal the baud rate in link.spec (${at[1]}), got ${link.baud}` }];
}

function firmwareIssues({ firmware, ftp }: BoardProfile): ProfileIssue[] {
  if (firmware?.agentPort === undefined || firmware.agentPort !== ftp.port) return [];
  return [{ path: "firmware.agentPort", message: `must differ from ftp.port (${ftp.port}), got ${firmware.agentPort}` }];
}

function rtoIssues({ tcp }: BoardProfile): ProfileIssue[] {
  const rto = tcp.rto;
  if (rto === undefined) return [];
  if (rto.minMs > rto.maxMs) {
    return [{ path: "tcp.rto.minMs", message: `must be <= tcp.rto.maxMs (${rto.maxMs}), got ${rto.minMs}` }];
  }
  if (rto.initialMs < rto.minMs || rto.initialMs > rto.maxMs) {
    return [
      {
        path: "tcp.rto.initialMs",
        message: `must be from tcp.rto.minMs (${rto.minMs}) to tcp.rto.maxMs (${rto.maxMs}), got ${rto.initialMs}`,
      },
    ];
  }
  return [];
}

function addressIssues({ addresses: a }: BoardProfile): ProfileIssue[] {
  const issues: ProfileIssue[] = [];
  const v4 = (field: "hostIpv4" | "boardIpv4"): void => {
    const address = a[field];
    if (FORBIDDEN_V4.check(address, "ipv4")) {
      issues.push({
        path: `addresses.${field}`,
        message: `must not be in 192.0.2.0/24, which hilftp keeps off tunnels (use 198.51.100.0/24), got ${address}`,
      });
    } else if (NOT_UNICAST_V4.check(address, "ipv4")) {
      issues.push({
        path: `addresses.${field}`,
        message: `must be a unicast address (not 0/8, 127/8, multicast or 240/4), got ${address}`,
      });
    }
  };
  v4("hostIpv4");
  v4("boardIpv4");
  if (a.hostIpv4 === a.boardIpv4) {
    issues.push({ path: "addresses.boardIpv4", message: `must differ from addresses.hostIpv4, got ${a.boardIpv4}` });
  }

  for (const field of ["hostIpv6", "boardIpv6"] as const) {
    const address = a[field];
    if (address !== undefined && NOT_UNICAST_V6.check(address, "ipv6")) {
      issues.push({
        path: `addresses.${field}`,
        message: `must be a unicast IPv6 address (not ::, ::1, IPv4-mapped or multicast), got ${address}`,
      });
    }
  }
  if ((a.hostIpv6 === undefined) !== (a.boardIpv6 === undefined)) {
    const [missing, present] = a.hostIpv6 === undefined ? ["hostIpv6", "boardIpv6"] : ["boardIpv6", "hostIpv6"];
    issues.push({ path: `addresses.${missing}`, message: `is required when addresses.${present} is set` });
  } else if (a.hostIpv6 !== undefined && a.boardIpv6 !== undefined) {
    const prefix = a.prefixLength ?? DEFAULT_IPV6_PREFIX_LENGTH;
    if (subnets("ipv6", [[a.hostIpv6, 128]]).check(a.boardIpv6, "ipv6")) {
      issues.push({ path: "addresses.boardIpv6", message: `must differ from addresses.hostIpv6, got ${a.boardIpv6}` });
    } else if (!subnets("ipv6", [[a.hostIpv6, prefix]]).check(a.boardIpv6, "ipv6")) {
      issues.push({
        path: "addresses.boardIpv6",
        message: `must be in the same /${prefix} as addresses.hostIpv6 (${a.hostIpv6}), got ${a.boardIpv6}`,
      });
    }
  } else if (a.prefixLength !== undefined) {
    issues.push({
      path: "addresses.prefixLength",
      message: "applies to IPv6 only: set addresses.hostIpv6 and addresses.boardIpv6, or remove it",
    });
  }
  return issues;
}

function ftpIssues({ ftp }: BoardProfile): ProfileIssue[] {
  if (ftp.dialect !== "netx") return [];
  const issues: ProfileIssue[] = [];
  for (const field of ["user", "password"] as const) {
    const length = [...ftp[field]].length;
    if (length > NETX_CREDENTIAL_CHARS) {
      issues.push({
        path: `ftp.${field}`,
        message: `must be at most ${NETX_CREDENTIAL_CHARS} characters for the netx dialect (NetX keeps 19), ` +
          `got ${length}`,
      });
    }
  }
  return issues;
}
