// src/tun: the bridge between a SLIP link and a Linux TUN device (`hilftp tun`).
export { TunError, type TunErrorCode } from "./errors.js";
export { IPV6_MIN_MTU, ipCommands, planTun, socatArgs, type AddressPair, type TunPlan, type TunPlanInput } from "./commands.js";
export { DEFAULT_QUEUE_FRAMES, UdpRelay, type RelayCounters, type RelayOptions } from "./relay.js";
export { NOT_ROOT_MESSAGE, assertRoot, startTunBridge, type TunBridge, type TunBridgeOptions, type TunCounters, type TunEnd } from "./bridge.js";
