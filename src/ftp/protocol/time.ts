// RFC 3659 time-val ("YYYYMMDDHHMMSS[.sss]", always UTC) as used by MDTM replies, MFMT and the
// MLSx modify fact. Parsing validates every field instead of letting Date roll 31 Feb over.

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** "20240402080500" in UTC. Throws TypeError for an invalid Date or a year outside 0..9999. */
export function formatMdtm(date: Date): string {
  const t = date.getTime();
  if (Number.isNaN(t)) throw new TypeError("formatMdtm: invalid Date");
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new TypeError(`formatMdtm: year ${y} does not fit time-val`);
  return (
    pad(y, 4) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2)
  );
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS[month - 1] as number);
}

function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i);
    if (!(c >= 48 && c <= 57)) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

/**
 * A time-val, optionally with a fraction (".123"), optionally after a reply code ("213 ...").
 * Surrounding spaces are ignored; anything else, or an impossible date, gives undefined.
 * Second 60 (a leap second, allowed by RFC 3659) is read as 59.999.
 */
export function parseMdtm(text: string): Date | undefined {
  let s = text.trim();
  if (s.length > 4 && s.charCodeAt(3) === 32 && digits(s, 0, 3) !== -1) s = s.slice(4).trimStart();
  if (s.length < 14) return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 4, 2);
  const day = digits(s, 6, 2);
  const hour = digits(s, 8, 2);
  const minute = digits(s, 10, 2);
  let second = digits(s, 12, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return undefined;
  }
  if (second < 0 || second > 60 || day > daysInMonth(year, month)) return undefined;
  let ms = 0;
  if (s.length > 14) {
    if (s.charCodeAt(14) !== 46 || s.length === 15) return undefined;
    const frac = s.slice(15);
    if (digits(frac, 0, frac.length) === -1) return undefined;
    ms = Number(frac.slice(0, 3).padEnd(3, "0"));
  }
  if (second === 60) {
    second = 59;
    ms = 999;
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  // Date.UTC maps years 0..99 to 1900..1999.
  if (year < 100) date.setUTCFullYear(year);
  return date;
}
