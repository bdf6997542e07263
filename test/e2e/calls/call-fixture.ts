// Shared steps of the end-to-end call tests: one full stack per test file with its trunk's gateway
// at a sipp callee, pool numbers and bindings created through the API, sipp caller/callee pairs
// from sipp-scenarios/, and polls (with deadlines) for the call record and the release timer.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';
import { runSipp, startSippUas, type SippResult } from '../../harness/sipp.ts';
import { startStack, type Stack } from '../../harness/stack.ts';
import type { CallRecordView } from '../../../src/records/view.ts';

/** The numbers the scenarios' leak checks are written for (sipp-scenarios/README.md). */
export const A = '+8613912345671';
export const B = '+8613987654322';
export const STRANGER = '+8615600001111';

export const SCENARIOS = join(import.meta.dirname, '../../../sipp-scenarios');
export const FIXTURES = join(import.meta.dirname, 'fixtures');

export type SipTransport = 'u1' | 't1';

export interface CallsEnv {
  stack: Stack;
  /** The trunk's gateway: where the platform sends the B leg, where a callee sipp listens. */
  calleePort: number;
  transport: SipTransport;
  /** A privacy number not used before in this stack (per test: a fresh X, fresh bindings). */
  freshX(): string;
  stop(): Promise<void>;
}

export async function startCallsEnv(opts: { transport?: SipTransport; config?: Record<string, unknown> } = {}): Promise<CallsEnv> {
  const transport = opts.transport ?? 'u1';
  const calleePort = await getFreeUdpTcpPort();
  const gateway = `sip:127.0.0.1:${calleePort}${transport === 't1' ? ';transport=tcp' : ''}`;
  const stack = await startStack({ gateways: [gateway], ...(opts.config !== undefined && { config: opts.config }) });
  let next = 0;
  return {
    stack,
    calleePort,
    transport,
    freshX: () => `+86170000${String(++next).padStart(5, '0')}`,
    stop: () => stack.stop(),
  };
}

export interface BindingView {
  id: string;
  mode: string;
  a: string;
  b?: string;
  x: string;
  createdAt: string;
  expiresAt: string;
  releaseAfterCallSeconds: number;
  activeCalls: number;
}

/** Long enough that a release timer (releaseAfterCallSeconds) visibly shortens the expiry. */
export const TTL_SECONDS = 86_400;
export const RELEASE_AFTER_CALL_SECONDS = 120;

/** Adds a fresh X to the tenant's pool and binds it with the given body (mode, a, b, ...). */
export async function bind(env: CallsEnv, body: Record<string, unknown>): Promise<BindingView> {
  const x = env.freshX();
  const added = await env.stack.api('POST', '/v1/numbers', { numbers: [x], areaCode: '170' });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  const res = await env.stack.api<BindingView>('POST', '/v1/bindings', {
    ttlSeconds: TTL_SECONDS,
    releaseAfterCallSeconds: RELEASE_AFTER_CALL_SECONDS,
    ...body,
    x,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.x).toBe(x);
  return res.body;
}

/** An injection file: field0 = the number the scenario presents, field1 = X dialled (callers). */
export function injectionCsv(...fields: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pn-e2e-csv-')), 'fields.csv');
  writeFileSync(file, `SEQUENTIAL\n${fields.join(';')};\n`);
  return file;
}

const scenarioPath = (name: string): string => (name.endsWith('.xml') ? name : join(SCENARIOS, `${name}.xml`));
// sipp gives up on its own before the harness kills it, so a hang shows as a failed call.
const SIPP_LIMITS = ['-timeout', '30s', '-timeout_error'];

export interface CallRun {
  uac: SippResult;
  /** The callee side (for `uas: null`, the listener that should have received nothing). */
  uas: SippResult;
  /** Epoch ms just before the caller started and just after both ends finished. */
  startedAt: number;
  endedAt: number;
}

/**
 * Runs one call: the callee scenario listens at the gateway (it presents the number it is called
 * at in all it sends, so the caller scenario's leak check sees whether that crosses), the caller
 * scenario dials X from `caller`. With `uas: null` (a call that must reach nobody) a callee sipp
 * still listens, so anything leaving the platform would be caught; it is stopped afterwards.
 */
export async function call(
  env: CallsEnv,
  opts: {
    caller: string;
    x: string;
    uac: string;
    uas: string | null;
    traceCaller?: boolean;
    traceCallee?: boolean;
  },
): Promise<CallRun> {
  const uas = await startSippUas({
    scenario: opts.uas === null ? scenarioPath('uas-direct-callerbye') : scenarioPath(opts.uas),
    localPort: env.calleePort,
    transport: env.transport,
    calls: 1,
    extraArgs: SIPP_LIMITS,
    timeoutMs: 45_000,
    ...(opts.traceCallee === true && { traceMessages: true }),
  });
  const startedAt = Date.now();
  const uac = await runSipp({
    scenario: scenarioPath(opts.uac),
    remote: env.stack.sipAddress,
    injectionFile: injectionCsv(opts.caller, opts.x),
    transport: env.transport,
    calls: 1,
    extraArgs: SIPP_LIMITS,
    timeoutMs: 45_000,
    ...(opts.traceCaller === true && { traceMessages: true }),
  });
  let uasResult: SippResult;
  if (opts.uas === null) {
    uasResult = await uas.stop();
  } else {
    // The callee ends by itself after its one call; stop it only if the caller broke off early.
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([uas.done, new Promise<null>((r) => (timer = setTimeout(() => r(null), 15_000)))]);
    clearTimeout(timer);
    uasResult = ended ?? (await uas.stop());
  }
  return { uac, uas: uasResult, startedAt, endedAt: Date.now() };
}

export function expectCompleted(name: string, r: SippResult): void {
  expect(r.exitCode, `${name} failed (exit ${r.exitCode}, timedOut ${r.timedOut}):\n${r.logs}\n${r.stderr}`).toBe(0);
  expect(r.stats.successful, `${name} stats: ${JSON.stringify(r.stats.raw)}`).toBe(1);
  expect(r.logs).not.toContain('Regexp matched but should not');
}

/** Polls the records API until the binding has a record of an ended call; returns it. */
export async function endedRecord(env: CallsEnv, bindingId: string, deadlineMs = 10_000): Promise<CallRecordView> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    const res = await env.stack.api<{ items: CallRecordView[] }>('GET', `/v1/records?bindingId=${encodeURIComponent(bindingId)}`);
    last = res.body;
    if (res.status === 200) {
      const ended = res.body.items.filter((r) => r.endedAt !== undefined && r.outcome !== undefined);
      if (ended.length > 0) {
        expect(ended, 'one call, one record').toHaveLength(1);
        return ended[0] as CallRecordView;
      }
    }
    if (Date.now() > deadline) throw new Error(`no ended call record for binding ${bindingId}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ms = (iso: string | undefined): number => (iso === undefined ? Number.NaN : Date.parse(iso));

/** The record's times are present as the outcome implies, in order, and within the run. */
export function expectTimes(rec: CallRecordView, run: CallRun, shape: { ringing: boolean; answered: boolean }): void {
  const invited = ms(rec.invitedAt);
  const ended = ms(rec.endedAt);
  expect(invited).toBeGreaterThanOrEqual(run.startedAt - 1000);
  expect(ended).toBeGreaterThanOrEqual(invited);
  expect(ended).toBeLessThanOrEqual(run.endedAt + 1000);
  if (shape.ringing) {
    expect(rec.ringingAt).toBeDefined();
    expect(ms(rec.ringingAt)).toBeGreaterThanOrEqual(invited);
    expect(ms(rec.ringingAt)).toBeLessThanOrEqual(ended);
  } else {
    expect(rec.ringingAt).toBeUndefined();
  }
  if (shape.answered) {
    expect(rec.answeredAt).toBeDefined();
    expect(ms(rec.answeredAt)).toBeGreaterThanOrEqual(shape.ringing ? ms(rec.ringingAt) : invited);
    expect(ms(rec.answeredAt)).toBeLessThanOrEqual(ended);
    expect(rec.durationSeconds).toBe(Math.round((ended - ms(rec.answeredAt)) / 1000));
  } else {
    expect(rec.answeredAt).toBeUndefined();
    expect(rec.durationSeconds).toBeUndefined();
  }
}

/**
 * After a call on the binding ended, its expiry becomes (end of call) + releaseAfterCallSeconds:
 * polls GET /v1/bindings/{id} until it does (the store is told after the record is written).
 */
export async function expectReleaseTimer(env: CallsEnv, binding: BindingView, rec: CallRecordView, deadlineMs = 10_000): Promise<void> {
  const seconds = binding.releaseAfterCallSeconds;
  // The timer starts when the app tells the store the call ended: after endedAt, before we look.
  const earliest = ms(rec.endedAt) + seconds * 1000 - 50;
  const deadline = Date.now() + deadlineMs;
  let last: BindingView | undefined;
  for (;;) {
    const res = await env.stack.api<BindingView>('GET', `/v1/bindings/${encodeURIComponent(binding.id)}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    last = res.body;
    const expires = ms(res.body.expiresAt);
    if (res.body.activeCalls === 0 && expires >= earliest && expires <= Date.now() + seconds * 1000 + 50) return;
    if (Date.now() > deadline) {
      throw new Error(`release timer not started: expiresAt ${last.expiresAt}, call ended ${rec.endedAt}, releaseAfterCallSeconds ${seconds}, activeCalls ${last.activeCalls}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The binding's expiry is still the one it was created with (no call was connected on it). */
export async function expectExpiryUnchanged(env: CallsEnv, binding: BindingView): Promise<void> {
  const res = await env.stack.api<BindingView>('GET', `/v1/bindings/${encodeURIComponent(binding.id)}`);
  expect(res.status).toBe(200);
  expect(res.body.expiresAt).toBe(binding.expiresAt);
  expect(res.body.activeCalls).toBe(0);
}

/** The messages sipp traced (-trace_msg), split at its separator lines. */
export function tracedMessages(r: SippResult): string[] {
  return r.logs.split(/^-{10,}.*$/m).map((m) => m.trim()).filter((m) => m !== '');
}

/** The callee sipp listened for the whole call and got nothing (its statistics were read). */
export function expectNothingReached(uas: SippResult): void {
  expect(Object.keys(uas.stats.raw), `callee statistics missing: ${uas.stderr}`).not.toHaveLength(0);
  expect(uas.stats.created, uas.logs).toBe(0);
  expect(tracedMessages(uas).filter((m) => /^(INVITE|CANCEL|BYE) /m.test(m))).toEqual([]);
}
