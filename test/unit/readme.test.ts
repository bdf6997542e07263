// The README is part of the product: its tables are generated from the code and must be current,
// and every config key, environment variable and error code must appear in it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, configRows, renderReadme } from '../../scripts/readme-tables.ts';
import { ENV_OVERRIDES } from '../../src/config/env.ts';
import { ERRORS } from '../../src/errors.ts';

const readme = readFileSync(README, 'utf8');

describe('README', () => {
  it('has current generated tables (run: npx tsx scripts/readme-tables.ts)', () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  it('lists every configuration key of the schema in the reference table', () => {
    const rows = configRows();
    expect(rows.length).toBeGreaterThan(40);
    for (const key of ['sip.timers.t1Ms', 'trunks[].gateways', 'api.keys[].tenant', 'log.level', 'dataDir']) {
      expect(rows.map((r) => r.key)).toContain(key);
    }
    for (const row of rows) {
      expect(readme, row.key).toContain(`| \`${row.key}\` |`);
      expect(row.description, row.key).not.toBe('');
    }
  });

  it('documents every environment variable and the key it sets', () => {
    for (const override of ENV_OVERRIDES) expect(readme).toContain(`| \`${override.name}\` | \`${override.key}\` |`);
    expect(readme).toContain('`PN_CONFIG`');
  });

  it('lists every error code of the catalogue with its statuses', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(readme).toContain(`| \`${code}\` | ${spec.httpStatus} | ${spec.sipStatus} |`);
    }
  });

  it('names the two commands, and CI runs exactly the test command', () => {
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    const commands = ci.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !l.startsWith('set ') && !l.startsWith('cd '));
    expect(commands).toEqual(['npm test']);
  });
});
