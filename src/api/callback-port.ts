// The narrow port through which the API starts callbacks (click-to-call, RFC 3725 third-party call
// control). The callback flow implements it; the API only validates, authorises and forwards.

// Progress: queued -> calling-a -> a-answered -> calling-b -> connected; then one final status:
// completed (was connected), failed (a leg did not answer, or a party hung up before connecting)
// or cancelled (through the API). `reason` says why it ended.
export type CallbackStatus = 'queued' | 'calling-a' | 'a-answered' | 'calling-b' | 'connected' | 'completed' | 'failed' | 'cancelled';

export interface CallbackRequest {
  tenant: string;
  /** Use this binding's parties and X. */
  bindingId?: string;
  /** Or connect these two parties (E.164), through x if given, else an X chosen for them. */
  a?: string;
  b?: string;
  x?: string;
}

export interface CallbackState {
  id: string;
  tenant: string;
  status: CallbackStatus;
  x: string;
  bindingId?: string;
  a?: string;
  b?: string;
  /** Epoch ms. */
  createdAt: number;
  answeredAt?: number;
  endedAt?: number;
  /**
   * Set once the callback has ended: a-busy, a-no-answer, a-rejected, a-unreachable, b-busy,
   * b-no-answer, b-rejected, b-unreachable, media-failed, a-hangup, b-hangup, max-duration,
   * cancelled, shutdown.
   */
  reason?: string;
}

export interface CallbackPort {
  start(req: CallbackRequest): Promise<{ id: string; status: CallbackStatus; x: string }>;
  get(tenant: string, id: string): Promise<CallbackState | null>;
  /** True when a callback in progress was cancelled; false when it had already ended. */
  cancel(tenant: string, id: string): Promise<boolean>;
}
