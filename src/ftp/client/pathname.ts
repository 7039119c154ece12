// The path inside a 257 (PWD, MKD) reply: RFC 959 puts it in double quotes and
// doubles any quote inside it. NetX answers MKD with 200 and the same quoted form.

/** The quoted path in `text`, or undefined when there is none. */
export function quotedPath(text: string): string | undefined {
  const open = text.indexOf('"');
  if (open === -1) return undefined;
  let path = "";
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c !== '"') {
      path += c;
      continue;
    }
    if (text[i + 1] !== '"') return path;
    path += '"';
    i++;
  }
  return undefined;
}
