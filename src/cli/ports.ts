// hilftp ports: the serial ports present (path, manufacturer, USB vendor:product, serial number),
// to find the --link serial:PATH of a board. The serialport package lists them; on Linux it asks
// udevadm, and where there is none (containers, minimal installs) the same facts come from sysfs.
import { existsSync } from "node:fs";
import { readdir, readFile, realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import type { Command, CommandContext } from "./command.js";
import { writeJson } from "./output.js";
import { UsageError } from "./url.js";

export interface SerialPortInfo {
  readonly path: string;
  readonly manufacturer?: string;
  readonly vendorId?: string;
  readonly productId?: string;
  readonly serialNumber?: string;
}

interface ListedPort {
  path: string;
  manufacturer?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
}

function clean(p: ListedPort): SerialPortInfo {
  return {
    path: p.path,
    ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
    ...(p.vendorId ? { vendorId: p.vendorId.toLowerCase() } : {}),
    ...(p.productId ? { productId: p.productId.toLowerCase() } : {}),
    ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
  };
}

export async function listSerialPorts(ctx?: Pick<CommandContext, "log">): Promise<SerialPortInfo[]> {
  try {
    const { SerialPort } = await import("serialport");
    const ports = (await SerialPort.list()).map(clean);
    ctx?.log(`* serialport listed ${ports.length} port(s)`);
    return ports;
  } catch (err) {
    if (process.platform !== "linux") throw err;
    ctx?.log(`* serialport could not list ports (${(err as Error).message}); reading /sys/class/tty`);
    return sysfsPorts();
  }
}

/** Kernel names of the ports a board's UART or USB bridge shows up as. */
const SERIAL_NAME = /^(?:ttyS|ttyACM|ttyUSB|ttyAMA|ttymxc|ttyO|ttySAC|ttyXRUSB|ttyTHS|rfcomm)\d+$/;

/** The ports under /sys/class/tty that have a device behind them, with the USB facts when there are. */
export async function sysfsPorts(root = "/sys/class/tty", dev = "/dev"): Promise<SerialPortInfo[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const found: SerialPortInfo[] = [];
  for (const name of names.filter((n) => SERIAL_NAME.test(n)).sort(byNumber)) {
    const device = await realpath(join(root, name, "device")).catch(() => undefined);
    if (device === undefined || !existsSync(join(dev, name))) continue;
    // The 8250 driver registers ttyS0-31 whether or not a UART is there; type 0 means none is.
    if (name.startsWith("ttyS") && (await text(join(root, name, "type"))) === "0") continue;
    found.push(clean({ path: join(dev, name), ...(await usbFacts(device)) }));
  }
  return found;
}

/** idVendor, idProduct, manufacturer, serial of the USB device above a tty's device directory. */
async function usbFacts(device: string): Promise<Omit<ListedPort, "path">> {
  let dir = device;
  for (let up = 0; up < 4 && dir !== "/"; up++, dir = dirname(dir)) {
    const vendorId = await text(join(dir, "idVendor"));
    if (vendorId === undefined) continue;
    return {
      vendorId,
      productId: await text(join(dir, "idProduct")),
      manufacturer: await text(join(dir, "manufacturer")),
      serialNumber: await text(join(dir, "serial")),
    };
  }
  return {};
}

async function text(path: string): Promise<string | undefined> {
  const t = await readFile(path, "utf8").catch(() => undefined);
  return t?.trim() || undefined;
}

function byNumber(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length > 0) throw new UsageError("usage: hilftp ports");
  const ports = await listSerialPorts(ctx);
  if (ctx.json) {
    writeJson(ctx, ports);
    return;
  }
  if (ports.length === 0) {
    ctx.stdout.write("no serial ports found (is the board plugged in? a USB-serial adapter shows up as /dev/ttyACM* or /dev/ttyUSB*)\n");
    return;
  }
  const width = Math.max(...ports.map((p) => p.path.length));
  for (const p of ports) {
    const usb = p.vendorId ? `${p.vendorId}:${p.productId ?? "????"}` : "";
    const facts = [p.manufacturer, usb, p.serialNumber ? `serial ${p.serialNumber}` : undefined].filter(Boolean).join("  ");
    ctx.stdout.write(`${p.path.padEnd(width)}  ${facts}`.trimEnd() + "\n");
  }
}

export const ports: Command = {
  name: "ports",
  help: {
    summary: "list the serial ports (path, manufacturer, USB vendor:product, serial number)",
    usage: ["ports"],
    options: ["  each line: PATH  MANUFACTURER  VID:PID  serial SERIAL; use it as --link serial:PATH[@BAUD]"],
    examples: ["hilftp ports", "hilftp ports --json"],
    shared: ["output"],
  },
  run,
};
