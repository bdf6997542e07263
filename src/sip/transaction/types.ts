// Shared vocabulary of the four RFC 3261 §17 transaction machines (with RFC 6026 corrections).
// The machines are pure reducers: (state, input) -> { state, actions }. No I/O, no clock: the
// server layer executes the actions and feeds timer expiries back as inputs.

/** RFC 3261 Table 4 timers, plus L and M from RFC 6026. */
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';

export type IctState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';
export type NictState = 'trying' | 'proceeding' | 'completed' | 'terminated';
export type IstState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
export type NistState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/** Inputs a machine can receive. Responses are classified by status code only. */
export type TxInput =
  /** Server: a retransmission of the request that created the transaction. */
  | { type: 'request' }
  /** IST: an ACK matching the transaction (RFC 3261 §17.2.3; ACK for a non-2xx, or a stray in Accepted). */
  | { type: 'ack' }
  /** Client: a response from the transport layer. */
  | { type: 'response'; status: number }
  /** Server: a response handed down by the transaction user. */
  | { type: 'tu-response'; status: number }
  | { type: 'timer'; timer: TimerName }
  /** The transport failed to send a message of this transaction (RFC 3261 §17.1.4, §17.2.4). */
  | { type: 'transport-error' };

/** Actions for the executing layer. */
export type TxAction =
  /** Client: (re)send the request of the transaction. */
  | { type: 'send-request' }
  /** ICT: send the ACK for the non-2xx final response just received (RFC 3261 §17.1.1.3). */
  | { type: 'send-ack' }
  /** IST: send a 100 Trying built from the request (RFC 3261 §17.2.1). */
  | { type: 'send-trying' }
  /** Server: send the TU response of this input; it becomes the last response. */
  | { type: 'send-response' }
  /** Server: resend the last response sent. */
  | { type: 'resend-response' }
  /** Pass the message of this input to the transaction user. */
  | { type: 'pass-to-tu' }
  /** Client: tell the TU that the transaction timed out (timer B or F): a 408 (RFC 3261 §8.1.3.1). */
  | { type: 'timeout' }
  /** Tell the TU that the transport failed: a 503 for the client (RFC 3261 §8.1.3.1). */
  | { type: 'transport-error' }
  /** Server: no ACK arrived for a non-2xx final (timer H, RFC 3261 §17.2.1). */
  | { type: 'ack-timeout' }
  | { type: 'start-timer'; timer: TimerName; ms: number }
  | { type: 'stop-timer'; timer: TimerName }
  /** The transaction is over: drop it from the table. */
  | { type: 'terminate' };

export interface TxResult<S> {
  state: S;
  actions: TxAction[];
}

/** Response class helpers (RFC 3261 §7.2). */
export const isProvisional = (status: number): boolean => status >= 100 && status < 200;
export const isSuccess = (status: number): boolean => status >= 200 && status < 300;
export const isFinal = (status: number): boolean => status >= 200;
