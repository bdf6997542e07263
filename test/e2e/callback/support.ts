// Shared steps of the callback e2e tests: one sipp at the trunk's gateway plays both A and B
// (sipp-scenarios/uas-callback-*.xml pick their role by the Request-URI); bindings and callbacks
// go through the HTTP API of a full in-process stack.
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Stack } from '../../harness/stack.ts';
import { startSippUas, type SippResult, type SippUasHandle } from '../../harness/sipp.ts';
import { poll as pollDeadline } from '../../harness/poll.ts';

/** The fixed party numbers of the scenarios' leak checks (sipp-scenarios/README.md). */
export const A = '+8613912345671';
export const B = '+8613987654322';

export const scenario = (name: string): string => fileURLToPath(new URL(`../../../sipp-scenarios/${name}.xml`, import.meta.url));

export interface CallView {
  id: string;
  status: string;
  x: string;
  bindingId?: string;
  a?: string;
  b?: string;
  createdAt: string;
  answeredAt?: string;
  endedAt?: string;
  reason?: string;
}

export interface RecordView {
  id: string;
  kind: string;
  bindingId?: string;
  x: string;
  caller: string;
  callee?: string;
  direction?: string;
  invitedAt: string;
  ringingAt?: string;
  answeredAt?: string;
  endedAt?: string;
  durationSeconds?: number;
  outcome?: string;
  finalStatus?: number;
  hangupBy?: string;
}

export interface BindingView {
  id: string;
  x: string;
  expiresAt: string;
  activeCalls: number;
}

let numberSeq = 0;

/** A fresh X in the pool and an AXB binding A-B on it (fresh per test: no cool-down clashes). */
export async function freshBinding(stack: Stack, extra: Record<string, unknown> = {}): Promise<BindingView> {
  numberSeq++;
  const x = `+861700000${String(5000 + numberSeq).padStart(4, '0')}`;
  const add = await stack.api('POST', '/v1/numbers', { numbers: [x], areaCode: '170' });
  expect(add.status, JSON.stringify(add.body)).toBeLessThan(300);
  const bind = await stack.api<BindingView>('POST', '/v1/bindings', { mode: 'AXB', a: A, b: B, x, ttlSeconds: 3600, releaseAfterCallSeconds: 600, ...extra });
  expect(bind.status, JSON.stringify(bind.body)).toBe(201);
  return bind.body;
}

export async function startCallback(stack: Stack, body: Record<string, unknown>): Promise<CallView> {
  const r = await stack.api<CallView>('POST', '/v1/calls', body);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  expect(r.body.status).toBe('queued');
  return r.body;
}

export async function getCall(stack: Stack, id: string): Promise<CallView> {
  const r = await stack.api<CallView>('GET', `/v1/calls/${id}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** Polls until `check` returns a value (not undefined), or fails after the deadline. */
export function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  return pollDeadline(what, check, timeoutMs, 50);
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);

export async function finalState(stack: Stack, id: string, timeoutMs = 20_000): Promise<CallView> {
  return poll(`callback ${id} to end`, async () => {
    const c = await getCall(stack, id);
    return FINAL.has(c.status) ? c : undefined;
  }, timeoutMs);
}

/** The record of the callback, once its end has been saved. */
export async function endedRecord(stack: Stack, bindingId: string, id: string): Promise<RecordView> {
  return poll(`record of ${id}`, async () => {
    const r = await stack.api<{ items: RecordView[] }>('GET', `/v1/records?bindingId=${bindingId}`);
    const rec = r.body.items.find((i) => i.id === id);
    return rec?.endedAt !== undefined ? rec : undefined;
  });
}

/** The release timer started: the binding's expiry moved to about now + releaseAfterCallSeconds. */
export async function expectReleaseTimer(stack: Stack, bindingId: string, releaseAfterCallSeconds: number): Promise<void> {
  const b = await poll('release timer', async () => {
    const r = await stack.api<BindingView>('GET', `/v1/bindings/${bindingId}`);
    return r.body.activeCalls === 0 ? r.body : undefined;
  });
  const left = (Date.parse(b.expiresAt) - Date.now()) / 1000;
  expect(left).toBeGreaterThan(releaseAfterCallSeconds - 30);
  expect(left).toBeLessThanOrEqual(releaseAfterCallSeconds + 1);
}

/** sipp playing A and B at the gateway; `transport` 't1' for TCP (the gateway URI then carries ;transport=tcp). */
export async function startParties(name: string, port: number, calls: number, timeoutMs = 60_000, transport: 'u1' | 't1' = 'u1'): Promise<SippUasHandle> {
  return startSippUas({ scenario: scenario(name), localPort: port, calls, timeoutMs, transport });
}

export function expectSippOk(r: SippResult): void {
  expect(r.timedOut, r.logs).toBe(false);
  expect(r.exitCode, r.logs + r.stdout.slice(-2000)).toBe(0);
}
