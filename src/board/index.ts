// Board profiles: the schema, the typed profile, loading and validation, the limits the host derives, and
// building the reference firmware from a profile (the sim and qemu link kinds start it).
export * from "./profile.js";
export { PROFILE_SCHEMA, type SchemaNode, type RootSchema } from "./schema.js";
export { ProfileError, formatIssue, type ProfileIssue } from "./errors.js";
export {
  BOARDS_DIR,
  listProfiles,
  loadProfile,
  parseProfile,
  parseProfileText,
  profileFile,
  type ProfileDirectory,
} from "./loader.js";
export {
  deviceLimits,
  IPV4_TCP_HEADERS,
  IPV6_TCP_HEADERS,
  IPV6_MIN_MTU,
  POOL_RESERVE,
  type DeviceLimits,
  type LimitOverrides,
} from "./limits.js";
export { DEFAULT_BOARD_FOR, DEFAULT_READY_MS, stateDirectory, type BoardLinkOptions } from "./board-link.js";
export {
  buildFirmware,
  ensureFirmware,
  FIRMWARE_SHIM_DIR,
  FirmwareBuildError,
  INSTALL_HINT,
  PACKAGE_ROOT,
  type BuildOptions,
} from "./firmware-build.js";
export { openSimLink, DEFAULT_SIM, type SimLinkOptions } from "./sim.js";
export { openQemuLink, type QemuLinkOptions } from "./qemu.js";
// The test agent's client (typed line protocol, firmware-shim/README.md).
export * from "./agent-client.js";
