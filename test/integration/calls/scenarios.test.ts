// The SIPp scenarios of sipp-scenarios/ run sipp against sipp (no B2BUA): proves each XML loads,
// each caller/callee pair completes its flow, and the leak checks really fail on a leak.
// The platform flows themselves (sipp -> our SIP server + calls app -> sipp) are e2e tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSipp, startSippUas } from '../../harness/sipp.ts';
import type { SippResult } from '../../harness/sipp.ts';

const SCENARIOS = join(import.meta.dirname, '../../../sipp-scenarios');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const scenario = (name: string): string => join(name.includes('-stub-') ? FIXTURES : SCENARIOS, `${name}.xml`);
const NO_LEAK_CSV = join(FIXTURES, 'no-leak.csv');
const A_PRESENTS_ITS_NUMBER_CSV = join(SCENARIOS, 'direct.csv');

interface PairRun {
  uac: SippResult;
  uas: SippResult;
}

async function runPair(uasName: string, uacName: string, opts: { uasCsv?: string; uacCsv?: string; transport?: 'u1' | 't1' } = {}): Promise<PairRun> {
  const transport = opts.transport ?? 'u1';
  const limits = ['-timeout', '30s', '-timeout_error'];
  const uas = await startSippUas({
    scenario: scenario(uasName),
    injectionFile: opts.uasCsv ?? NO_LEAK_CSV,
    transport,
    calls: 1,
    extraArgs: limits,
    timeoutMs: 45_000,
  });
  const uac = await runSipp({
    scenario: scenario(uacName),
    remote: `127.0.0.1:${uas.port}`,
    injectionFile: opts.uacCsv ?? NO_LEAK_CSV,
    transport,
    calls: 1,
    extraArgs: limits,
    timeoutMs: 45_000,
  });
  // The uas ends by itself after its one call; stop() only matters when the uac broke off early.
  const uasResult = await Promise.race([uas.done, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  return { uac, uas: uasResult ?? (await uas.stop()) };
}

function expectSuccess(name: string, r: SippResult): void {
  expect(r.exitCode, `${name} failed:\n${r.logs}\n${r.stderr}`).toBe(0);
  expect(r.stats.successful, `${name} stats: ${JSON.stringify(r.stats.raw)}`).toBe(1);
}

// [callee-side scenario, caller-side scenario]: stand-ins (fixtures/*-stub-*) play the platform
// side of flows that only the platform can complete (rejections, ring timeout, max duration).
const PAIRS: Array<[string, string]> = [
  ['uas-direct-callerbye', 'uac-direct-callerbye'],
  ['uas-direct-calleebye', 'uac-direct-calleebye'],
  ['uas-return-callerbye', 'uac-return-callerbye'],
  ['uas-direct-busy', 'uac-direct-busy'],
  ['uas-direct-cancel', 'uac-direct-cancel'],
  ['uas-direct-noanswer', 'uac-direct-cancel'],
  ['uas-stub-480', 'uac-direct-noanswer'],
  ['uas-stub-404', 'uac-unbound-rejected'],
  ['uas-stub-403', 'uac-restricted-rejected'],
  ['uas-stub-answer-bye', 'uac-direct-maxduration'],
  ['uas-direct-maxduration', 'uac-stub-call-bye'],
  ['uas-direct-dtmfinfo', 'uac-direct-dtmfinfo'],
  ['uas-direct-update', 'uac-direct-update'],
];

const CALLBACK_TESTS = fileURLToPath(new URL('../../e2e/callback/', import.meta.url));

describe('sipp scenarios (sipp to sipp)', () => {
  it('every scenario in sipp-scenarios/ is exercised, named <uac|uas>-<flow>-<outcome>, with its Subject', () => {
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4));
    const used = new Set(PAIRS.flat());
    // Callback scenarios play both A and B against the platform: the full-stack callback tests run them.
    const callbackTests = readdirSync(CALLBACK_TESTS).map((f) => readFileSync(join(CALLBACK_TESTS, f), 'utf8')).join('\n');
    expect(files.filter((f) => !used.has(f) && !(f.startsWith('uas-callback-') && callbackTests.includes(f)))).toEqual([]);
    for (const f of files) {
      expect(f).toMatch(/^(uac|uas)-[a-z]+-[a-z]+$/);
      const xml = readFileSync(join(SCENARIOS, `${f}.xml`), 'utf8');
      expect(xml).toContain(`<scenario name="${f}">`);
      if (f.startsWith('uac-')) expect(xml).toContain(`Subject: ${f}`);
      // Every received message is checked for the other party's real number.
      const recvs = xml.match(/<recv /g)?.length ?? 0;
      const checks = xml.match(/check_it_inverse="true"/g)?.length ?? 0;
      expect(checks, `${f}: leak checks`).toBe(recvs);
    }
  });

  it.each(PAIRS)('%s answers %s over UDP', async (uasName, uacName) => {
    const { uac, uas } = await runPair(uasName, uacName);
    expectSuccess(uacName, uac);
    expectSuccess(uasName, uas);
  });

  it('uas-direct-callerbye answers uac-direct-callerbye over TCP', async () => {
    const { uac, uas } = await runPair('uas-direct-callerbye', 'uac-direct-callerbye', { transport: 't1' });
    expectSuccess('uac-direct-callerbye', uac);
    expectSuccess('uas-direct-callerbye', uas);
  });

  it('the callee-side scenario fails when the caller\'s real number reaches it', async () => {
    // Without a B2BUA in between the caller's own From/PAI/SDP arrive verbatim: a leak.
    const { uac, uas } = await runPair('uas-direct-callerbye', 'uac-direct-callerbye', { uacCsv: A_PRESENTS_ITS_NUMBER_CSV });
    expectSuccess('uac-direct-callerbye', uac);
    expect(uas.exitCode).not.toBe(0);
    expect(uas.stats.failed).toBe(1);
    expect(uas.logs).toContain('Regexp matched but should not');
  });

  it('the caller-side scenario fails when the callee\'s real number reaches it', async () => {
    // The stand-in puts its CSV number (the bound party A) in P-Asserted-Identity of the 404.
    const { uac } = await runPair('uas-stub-404', 'uac-unbound-rejected', { uasCsv: A_PRESENTS_ITS_NUMBER_CSV });
    expect(uac.exitCode).not.toBe(0);
    expect(uac.logs).toContain('Regexp matched but should not');
  });
});
