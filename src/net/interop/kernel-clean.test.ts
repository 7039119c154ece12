// Interop with the Linux kernel's TCP/IP, a stack nobody here wrote, on a clean link: `hilftp
// tun` in a fresh network namespace bridges a SLIP link to a TUN device, our Stack plays the
// board. MTU 296 (IPv4 only) and 1500 (IPv4 + IPv6), 10 MiB transfers (see suite.ts for the
// checks). Runs as root (CI does), needs the tools of scripts/test-deps.sh and a built dist/.
import { cleanupCheck, kernelInteropSuite, MiB, preconditions } from "./suite.js";

preconditions();
kernelInteropSuite({ name: "MTU 296 clean", mtu: 296, size: 10 * MiB, transferTimeoutMs: 180_000 });
kernelInteropSuite({ name: "MTU 1500 clean", mtu: 1500, size: 10 * MiB, transferTimeoutMs: 120_000 });
cleanupCheck();
