// The command table: every verb the server knows, with its guards.
import { ACCESS } from "./access.js";
import { DATA } from "./data.js";
import { PATHS } from "./paths.js";
import { SETTINGS } from "./settings.js";
import { STATUS } from "./status.js";
import { TRANSFERS } from "./transfers.js";
import type { CommandDef } from "./types.js";

export const COMMANDS: ReadonlyMap<string, CommandDef> = new Map(
  Object.entries({ ...ACCESS, ...SETTINGS, ...PATHS, ...DATA, ...TRANSFERS, ...STATUS }),
);
