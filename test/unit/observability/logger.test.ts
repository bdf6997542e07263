import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { callLogger, createLogger } from '../../../src/observability/logger.ts';
import { maskNumber } from '../../../src/observability/mask.ts';

/** A destination that keeps every line; lines() parses them back as JSON (pino's sink() habit). */
function sink(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = (): string => chunks.join('');
  return { stream, text, lines: () => text().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const A = '+8613912345678';
const B = '+8613887654321';
const X = '+8617000001111';

describe('createLogger', () => {
  it('writes JSON lines with the service base field and the level', () => {
    const out = sink();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info({ status: 404 }, 'call rejected: unbound');
    log.debug('not written at info');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'privacy-number', level: 30, status: 404, msg: 'call rejected: unbound' });
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('masks numbers in the known fields, top level and one level down, and no full number appears', () => {
    const out = sink();
    const log = createLogger({ level: 'trace', destination: out.stream });
    log.info({ caller: A, callee: B, x: X }, 'call routed');
    log.warn({ binding: { a: A, b: B } }, 'binding released');
    log.info({ party: A, number: B, from: `sip:${A}@10.0.0.1`, to: `<sip:${B}@10.0.0.2>` }, 'lookup');
    log.error({ a: [A, B] }, 'list of parties');
    const lines = out.lines();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ caller: maskNumber(A), callee: maskNumber(B) });
    expect(lines[1]?.binding).toEqual({ a: maskNumber(A), b: maskNumber(B) });
    expect(lines[2]).toMatchObject({ party: maskNumber(A), number: maskNumber(B) });
    expect(lines[3]?.a).toEqual([maskNumber(A), maskNumber(B)]);
    const text = out.text();
    for (const n of [A, B, A.slice(1), B.slice(1), A.slice(3), B.slice(3)]) expect(text).not.toContain(n);
    expect(text).toContain(maskNumber(A));
  });

  it('masks numbers given as child bindings too', () => {
    const out = sink();
    const log = createLogger({ level: 'info', destination: out.stream }).child({ caller: A });
    log.info('in child');
    expect(out.text()).not.toContain(A);
    expect(out.lines()[0]?.caller).toBe(maskNumber(A));
  });

  it('does not touch other fields', () => {
    const out = sink();
    createLogger({ level: 'info', destination: out.stream }).info({ callId: 'abc@host', status: 486, reason: 'busy' }, 'x');
    expect(out.lines()[0]).toMatchObject({ callId: 'abc@host', status: 486, reason: 'busy' });
  });
});

describe('callLogger', () => {
  it('adds callId and bindingId to every line of the call', () => {
    const out = sink();
    const log = createLogger({ level: 'info', destination: out.stream });
    callLogger(log, { callId: 'c1', bindingId: 'b1' }).info({ caller: A }, 'invite received');
    callLogger(log, { callId: 'c2' }).info('no binding yet');
    const [first, second] = out.lines();
    expect(first).toMatchObject({ callId: 'c1', bindingId: 'b1', caller: maskNumber(A) });
    expect(second).toMatchObject({ callId: 'c2' });
    expect(second).not.toHaveProperty('bindingId');
  });
});
