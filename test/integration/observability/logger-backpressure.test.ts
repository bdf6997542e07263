// The default logger never blocks the event loop when whoever reads our stdout lags: a stalled
// reader (full pipe) must not turn each log call into a 100 ms busy wait (what a synchronous
// destination does on EAGAIN), which would stall every call in progress. Lines are kept in order
// and all delivered once the reader drains the pipe.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const LOGGER = fileURLToPath(new URL('../../../src/observability/logger.ts', import.meta.url));

// Fills the pipe (nobody reads it yet), then times 200 more log calls and reports on stderr.
const CHILD = `
import { createLogger } from ${JSON.stringify(LOGGER)};
const log = createLogger({ level: 'info' });
const pad = 'x'.repeat(1000);
for (let i = 0; i < 2000; i++) log.info({ i, pad }, 'fill');
const t0 = performance.now();
for (let i = 2000; i < 2200; i++) log.info({ i, pad }, 'after');
process.stderr.write('elapsed ' + Math.round(performance.now() - t0) + '\\n');
`;

it('log calls return at once while the stdout reader is stalled; every line arrives in order afterwards', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pause();
  try {
    await checkChild(child);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}, 60_000);

async function checkChild(child: ChildProcessByStdio<null, Readable, Readable>): Promise<void> {
  const report = await new Promise<string>((resolve, reject) => {
    // A synchronous destination never gets here (each call waits 100 ms per EAGAIN, forever).
    const timer = setTimeout(() => reject(new Error('log calls blocked: no report in 15 s')), 15_000);
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/elapsed \d+\n/.test(err)) {
        clearTimeout(timer);
        resolve(err);
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code} before reporting: ${err}`)));
  });
  const elapsed = Number(/elapsed (\d+)/.exec(report)?.[1]);
  // A synchronous destination waits 100 ms per EAGAIN: 200 calls would take 20 s or hang.
  expect(elapsed).toBeLessThan(2000);

  // Drain: every line arrives, in order.
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdout.resume();
  await new Promise<void>((resolve) => child.once('close', () => resolve()));
  const seq = out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { i: number }).i);
  expect(seq).toEqual(Array.from({ length: 2200 }, (_, i) => i));
}
