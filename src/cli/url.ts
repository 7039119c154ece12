// ftp:// URLs as the CLI takes them: ftp://[user[:password]@]host[:port]/path, IPv6 hosts in
// brackets. User and password are percent-decoded; no user means anonymous.
export interface FtpUrl {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Decoded path, "/" when the URL has none. */
  readonly path: string;
  /** The URL named a port / a user (a board profile fills in what it does not). */
  readonly explicitPort: boolean;
  readonly explicitUser: boolean;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parseFtpUrl(text: string): FtpUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${text} (expected ftp://[user[:password]@]host[:port]/path)`);
  }
  if (url.protocol !== "ftp:") throw new UsageError(`only ftp:// URLs are supported, not ${url.protocol}//`);
  if (url.hostname === "") throw new UsageError(`no host in ${text}`);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const user = url.username === "" ? "anonymous" : decodeURIComponent(url.username);
  const password = url.password === "" ? (user === "anonymous" ? "hilftp@" : "") : decodeURIComponent(url.password);
  const path = decodeURIComponent(url.pathname) || "/";
  return { host, port: url.port === "" ? 21 : Number(url.port), user, password, path, explicitPort: url.port !== "", explicitUser: url.username !== "" };
}
