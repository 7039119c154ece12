// The kernel interop checks of kernel-clean.test.ts with drop 2%, corrupt 1% and reorder 2%
// injected on our side of the link, both directions (seed 7): every transfer completes intact.
// One test-time choice: the kernel's route to the board gets rto_min 20 ms (`ip route ...
// rto_min`), because its 200 ms floor is pure idle time on this sub-millisecond link. Loss
// recovery is otherwise the kernel's own: our stack offers SACK, so Linux recovers holes by
// SACK and keeps taking RTT samples instead of backing off on timeouts.
import { cleanupCheck, FAULTS, kernelInteropSuite, MiB, preconditions } from "./suite.js";

preconditions();
kernelInteropSuite({ name: "MTU 296 with faults", mtu: 296, size: 10 * MiB, faults: FAULTS, kernelRtoMinMs: 20, transferTimeoutMs: 240_000 });
kernelInteropSuite({ name: "MTU 1500 with faults", mtu: 1500, size: 10 * MiB, faults: FAULTS, kernelRtoMinMs: 20, transferTimeoutMs: 240_000 });
cleanupCheck();
