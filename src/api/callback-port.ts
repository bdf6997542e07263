// The narrow port through which the API starts callbacks (click-to-call, RFC 3725 third-party call
// control). The callback flow implements it; the API only validates, authorises and forwards.

// Progress: queued -> calling-a -> a-answered -> calling-b -> connected; then one final status:
// completed (was connected), failed (a leg did not answer, or a party hung up before connecting)
// or cancelled (through the API). `reason` says why it ended.
// The callback flow (src/calls) owns these shapes; the port re-exports them.
import type { CallbackStatus, StoredCallback } from '../calls/callback-store.ts';

export type { CallbackStatus };

export interface CallbackRequest {
  tenant: string;
  /** Use this binding's parties and X. */
  bindingId?: string;
  /** Or connect these two parties (E.164), through x if given, else an X chosen for them. */
  a?: string;
  b?: string;
  x?: string;
}

/**
 * A callback as GET /v1/calls/{id} shows it. `reason` is set once it has ended: a-busy, a-no-answer,
 * a-rejected, a-unreachable, b-busy, b-no-answer, b-rejected, b-unreachable, media-failed,
 * a-hangup, b-hangup, max-duration, cancelled, shutdown, node-lost (the process running it died; another
 * node finalised it when its lease lapsed).
 */
export type CallbackState = StoredCallback;

export interface CallbackPort {
  start(req: CallbackRequest): Promise<{ id: string; status: CallbackStatus; x: string }>;
  get(tenant: string, id: string): Promise<CallbackState | null>;
  /** True when a callback in progress was cancelled; false when it had already ended. */
  cancel(tenant: string, id: string): Promise<boolean>;
}
