// A small JSON Schema validator for the subset schema.ts uses (type, properties, required,
// additionalProperties, enum, minimum/maximum, minLength/maxLength, pattern, format ipv4/ipv6). Hand-written
// rather than ajv: the subset is small, and every message must read "FIELD: must be EXPECTED, got VALUE",
// which is easier to produce here than to map from ajv's errors. It refuses schemas with other keywords, so a
// keyword added to schema.ts can never be silently ignored.
import { isIPv4, isIPv6 } from "node:net";
import type { ProfileIssue } from "./errors.js";
import type { SchemaNode } from "./schema.js";

const SUPPORTED = new Set([
  "$schema",
  "$id",
  "type",
  "title",
  "description",
  "properties",
  "required",
  "additionalProperties",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
  "enum",
  "format",
]);
const FORMATS = new Set(["ipv4", "ipv6"]);

/** Keywords (as "path: keyword") in `schema` that this validator does not implement. */
export function unsupportedKeywords(schema: SchemaNode, path = "(root)"): string[] {
  const found: string[] = [];
  for (const key of Object.keys(schema)) {
    if (!SUPPORTED.has(key)) found.push(`${path}: ${key}`);
  }
  if (schema.format !== undefined && !FORMATS.has(schema.format)) found.push(`${path}: format ${schema.format}`);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    found.push(...unsupportedKeywords(child, path === "(root)" ? name : `${path}.${name}`));
  }
  return found;
}

const checkedSchemas = new WeakSet<SchemaNode>();
const patterns = new Map<string, RegExp>();

/** Every place where `value` breaks `schema`, in schema order; [] when it conforms. */
export function validateAgainst(schema: SchemaNode, value: unknown): ProfileIssue[] {
  if (!checkedSchemas.has(schema)) {
    const unsupported = unsupportedKeywords(schema);
    if (unsupported.length > 0) throw new Error(`schema uses unsupported keywords: ${unsupported.join(", ")}`);
    checkedSchemas.add(schema);
  }
  const issues: ProfileIssue[] = [];
  visit(schema, value, [], issues);
  return issues;
}

function visit(node: SchemaNode, value: unknown, path: readonly string[], out: ProfileIssue[]): void {
  if (!hasType(node, value) || !meetsConstraints(node, value)) {
    out.push({ path: path.join("."), message: `must be ${expectation(node)}, got ${show(value)}` });
    return;
  }
  if (node.type !== "object" || !isRecord(value)) return;
  const properties = node.properties ?? {};
  for (const name of node.required ?? []) {
    const child = properties[name];
    if (!(name in value) && child !== undefined) {
      out.push({ path: [...path, name].join("."), message: `is required (${expectation(child)})` });
    }
  }
  for (const [name, child] of Object.entries(value)) {
    const childSchema = properties[name];
    if (childSchema !== undefined) {
      visit(childSchema, child, [...path, name], out);
    } else if (node.additionalProperties === false) {
      const owner = path.length === 0 ? "a profile" : path.join(".");
      out.push({
        path: [...path, name].join("."),
        message: `unknown field (${owner} has ${Object.keys(properties).join(", ")})`,
      });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasType(node: SchemaNode, value: unknown): boolean {
  switch (node.type) {
    case undefined:
      return true;
    case "object":
      return isRecord(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
  }
}

function meetsConstraints(node: SchemaNode, value: unknown): boolean {
  if (node.enum !== undefined && !node.enum.some((allowed) => allowed === value)) return false;
  if (typeof value === "number") {
    if (node.minimum !== undefined && value < node.minimum) return false;
    if (node.maximum !== undefined && value > node.maximum) return false;
  }
  if (typeof value === "string") {
    // Length in code points, as JSON Schema counts it.
    const length = [...value].length;
    if (node.minLength !== undefined && length < node.minLength) return false;
    if (node.maxLength !== undefined && length > node.maxLength) return false;
    if (node.pattern !== undefined && !compiled(node.pattern).test(value)) return false;
    if (node.format === "ipv4" && !isIPv4(value)) return false;
    // Zone ids ("fe80::1%eth0") name a host interface and mean nothing on the tunnel.
    if (node.format === "ipv6" && !(isIPv6(value) && !value.includes("%"))) return false;
  }
  return true;
}

function compiled(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern, "u");
    patterns.set(pattern, re);
  }
  return re;
}

/** What a value must be, as a noun phrase: "an integer from 64 to 65535". */
export function expectation(node: SchemaNode): string {
  if (node.enum !== undefined) return `one of ${node.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  switch (node.type) {
    case "object":
      return "an object";
    case "boolean":
      return "true or false";
    case "integer":
      return `an integer${range(node.minimum, node.maximum)}`;
    case "string":
      return stringExpectation(node);
    case undefined:
      return "a value";
  }
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return "";
}

function stringExpectation(node: SchemaNode): string {
  if (node.format === "ipv4") return "an IPv4 address";
  if (node.format === "ipv6") return "an IPv6 address";
  if (node.title !== undefined && node.pattern !== undefined) return node.title;
  const base = (node.minLength ?? 0) >= 1 ? "a non-empty string" : "a string";
  return node.maxLength !== undefined ? `${base} of at most ${node.maxLength} characters` : base;
}

/** A value as an error message quotes it: strings in JSON quotes, containers by kind. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    const text = JSON.stringify(value);
    return text.length > 64 ? `${text.slice(0, 60)}..."` : text;
  }
  return String(value);
}
