// Board profiles: the schema, the typed profile, loading and validation, and the limits the host derives.
export * from "./profile.js";
export { PROFILE_SCHEMA, type SchemaNode, type RootSchema } from "./schema.js";
export { ProfileError, formatIssue, type ProfileIssue } from "./errors.js";
export {
  BOARDS_DIR,
  listProfiles,
  loadProfile,
  parseProfile,
  parseProfileText,
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
