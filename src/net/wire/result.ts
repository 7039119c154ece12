// Errors as values for the wire codecs: a parser never throws on what arrives from a link, it says why a
// packet was refused so the stack can count the reason and drop the packet.

export type WireError =
  | "truncated"
  | "bad-version"
  | "bad-header-length"
  | "bad-length"
  | "bad-checksum"
  | "fragment"
  | "bad-options"
  | "bad-flags"
  | "unsupported"
  | "bad-address";

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: WireError; readonly detail?: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail(error: WireError, detail?: string): { readonly ok: false; readonly error: WireError; readonly detail?: string } {
  return detail === undefined ? { ok: false, error } : { ok: false, error, detail };
}
