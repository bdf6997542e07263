// `npm run bench [-- name ...] [--quick]`: runs bench/*.bench.ts and prints one table.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { BenchFn, BenchRow } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wanted = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const rows: BenchRow[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: BenchFn };
  process.stderr.write(`running ${file} ...\n`);
  try {
    rows.push(...(await mod.run({ quick })));
  } catch (err) {
    rows.push({ bench: file, metric: 'error', value: String(err instanceof Error ? err.message : err), unit: '' });
  }
}

const fmt = (v: number | string): string => (typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2)) : v);
const table = rows.map((r) => [r.bench, r.metric, fmt(r.value), r.unit, r.note ?? '']);
const header = ['bench', 'metric', 'value', 'unit', 'note'];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]): string => '| ' + cells.map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ') + ' |';
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of table) console.log(line(r));
process.exit(0);
