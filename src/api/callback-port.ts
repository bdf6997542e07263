// The narrow port through which the API starts callbacks (click-to-call, RFC 3725 third-party call
// control). The callback flow implements it; the API only validates, authorises and forwards.

export type CallbackStatus = 'queued' | 'calling-a' | 'calling-b' | 'connected' | 'completed' | 'failed' | 'cancelled';

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
  /** Set once the callback has failed or ended, e.g. "busy", "no-answer". */
  reason?: string;
}

export interface CallbackPort {
  start(req: CallbackRequest): Promise<{ id: string; status: CallbackStatus; x: string }>;
  get(tenant: string, id: string): Promise<CallbackState | null>;
  /** True when a callback in progress was cancelled; false when it had already ended. */
  cancel(tenant: string, id: string): Promise<boolean>;
}
