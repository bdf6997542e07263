// Generates the README's configuration reference and error catalogue from the schema and
// src/errors.ts, so the docs cannot drift (test/unit/readme.test.ts checks they are current).
//   npx tsx scripts/readme-tables.ts          rewrite the generated blocks in README.md
//   npx tsx scripts/readme-tables.ts --check  exit 1 if README.md is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { ENV_OVERRIDES } from '../src/config/env.ts';
import { ConfigSchema } from '../src/config/schema.ts';
import { ERRORS } from '../src/errors.ts';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));

export interface ConfigRow {
  key: string;
  env: string;
  type: string;
  default: string;
  description: string;
}

interface SchemaNode extends TSchema {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  const?: unknown;
  description?: string;
  default?: unknown;
  format?: string;
}

function typeOf(node: SchemaNode): string {
  if (node.anyOf !== undefined) return node.anyOf.map((n) => JSON.stringify(n.const)).join(' | ');
  if (node.type === 'array' && node.items !== undefined) return node.items.type === 'object' ? 'array of objects' : `${typeOf(node.items)}[]`;
  if (node.type === 'string' && node.format !== undefined) return `string (${node.format})`;
  return node.type ?? 'unknown';
}

/** One row per setting: every leaf, and every array (whose entries get rows as `key[].field`). */
export function configRows(): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const envFor = new Map(ENV_OVERRIDES.map((o) => [o.key, o.name]));
  const visit = (node: SchemaNode, key: string, optional: boolean): void => {
    if (node.type === 'object' && node.properties !== undefined) {
      for (const [name, child] of Object.entries(node.properties)) visit(child, key === '' ? name : `${key}.${name}`, !(node.required ?? []).includes(name));
      return;
    }
    const inArray = key.includes('[]');
    const fallback = optional ? 'unset' : inArray ? 'required' : '';
    rows.push({
      key,
      env: envFor.get(key) ?? '',
      type: typeOf(node),
      default: node.default === undefined ? fallback : JSON.stringify(node.default),
      description: node.description ?? '',
    });
    if (node.type === 'array' && node.items?.type === 'object' && node.items.properties !== undefined) {
      for (const [name, child] of Object.entries(node.items.properties)) visit(child, `${key}[].${name}`, !(node.items.required ?? []).includes(name));
    }
  };
  visit(ConfigSchema as SchemaNode, '', false);
  return rows;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string): string => (text === '' ? '' : `\`${text.replace(/\\\|/g, '|')}\``);

export function configTable(): string {
  const lines = ['| key | env | type | default | description |', '|---|---|---|---|---|'];
  for (const r of configRows()) lines.push(`| ${code(r.key)} | ${code(r.env)} | ${cell(r.type)} | ${r.default === 'unset' || r.default === 'required' ? r.default : cell(code(r.default))} | ${cell(r.description)} |`);
  return lines.join('\n');
}

export function envTable(): string {
  const lines = ['| variable | sets | value |', '|---|---|---|', '| `PN_CONFIG` | (file layer) | path of a JSON config file, like `--config FILE` |'];
  for (const o of ENV_OVERRIDES) lines.push(`| \`${o.name}\` | \`${o.key}\` | ${cell(o.format)} |`);
  return lines.join('\n');
}

export function errorTable(): string {
  const lines = ['| code | HTTP | SIP | SIP Reason | meaning |', '|---|---|---|---|---|'];
  for (const [codeName, spec] of Object.entries(ERRORS)) {
    lines.push(`| \`${codeName}\` | ${spec.httpStatus} | ${spec.sipStatus} | ${cell(code(spec.sipReason))} | ${cell(spec.message)} |`);
  }
  return lines.join('\n');
}

const BLOCKS: Record<string, () => string> = { 'config-reference': configTable, 'env-reference': envTable, 'error-catalogue': errorTable };

/** README text with every generated block replaced by its current content. */
export function renderReadme(text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(BLOCKS)) {
    const start = `<!-- generated:${name} -->`;
    const end = `<!-- /generated:${name} -->`;
    const i = out.indexOf(start);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`README.md lacks the block ${start} ... ${end}`);
    out = `${out.slice(0, i + start.length)}\n${render()}\n${out.slice(j)}`;
  }
  return out;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const current = readFileSync(README, 'utf8');
  const next = renderReadme(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('README.md is stale: run npx tsx scripts/readme-tables.ts');
      process.exit(1);
    }
  } else if (next !== current) {
    writeFileSync(README, next);
    console.error('README.md updated');
  }
}
