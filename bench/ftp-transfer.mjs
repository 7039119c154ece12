// One transfer with hilftp's FtpClient, as its own process so the benchmark can read its exact
// CPU use (bench/rusage.py wraps it, as it wraps curl). Prints {"bytes","elapsedMs"} as JSON.
// Usage: node bench/ftp-transfer.mjs get|put HOST PORT USER PASSWORD REMOTE LOCAL
import { FtpClient } from "../dist/index.js";

const [op, host, port, user, password, remote, local] = process.argv.slice(2);
if ((op !== "get" && op !== "put") || !local) {
  process.stderr.write("usage: node bench/ftp-transfer.mjs get|put HOST PORT USER PASSWORD REMOTE LOCAL\n");
  process.exit(2);
}
const client = await FtpClient.connect({ host, port: Number(port), user, password });
try {
  const started = performance.now();
  const result = op === "get" ? await client.download(remote, local) : await client.upload(local, remote);
  const elapsedMs = performance.now() - started;
  await client.quit();
  process.stdout.write(`${JSON.stringify({ bytes: result.bytes, elapsedMs })}\n`);
} finally {
  client.close();
}
