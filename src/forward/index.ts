// hilftp forward's engine: a host TCP port relaying FTP to a board's server through the tunnel,
// passive replies rewritten to our own data listeners, active mode refused (see proxy.ts).
export { startForward, type ForwardEvent, type ForwardOptions, type Forwarder } from "./proxy.js";
export type { DataStats } from "./data.js";
export { ACTIVE_REFUSED, boardDataPort, clientPassiveReply, routeCommand, type Route } from "./rewrite.js";
