// The domain types of the bindings engine, shared by the API and the call flows.
// See ../../README.md (Bindings) and ../shared/docs/mission.md for the rules they encode.

export type BindingMode = 'AXB' | 'reverse' | 'AXN';
export type CallRestriction = 'both' | 'a-to-b' | 'b-to-a';
export type AreaMatch = 'strict' | 'fallback';
export type NumberStatus = 'active' | 'disabled';
/** Who called whom on a binding: a-to-b means party A called X and reaches B. */
export type CallDirection = 'a-to-b' | 'b-to-a';

/** A privacy number X in the pool. Numbers are E.164 with a leading '+'. */
export interface PoolNumber {
  number: string;
  tenant: string;
  group: string;
  areaCode: string;
  status: NumberStatus;
}

export interface Binding {
  id: string;
  tenant: string;
  group: string;
  mode: BindingMode;
  a: string;
  /** Absent for AXN. */
  b?: string;
  x: string;
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number;
  releaseAfterCallSeconds: number;
  maxCallSeconds?: number;
  callRestriction: CallRestriction;
  record: boolean;
  outId?: string;
  metadata?: Record<string, string>;
  /** Calls in progress on this binding (the release timer starts when the last one ends). */
  activeCalls: number;
  /** Unbound while a call was up: released when that call ends. */
  unbindPending: boolean;
}

export interface NewBinding {
  tenant: string;
  group: string;
  mode: BindingMode;
  a: string;
  b?: string;
  /** A requested X: honoured when valid, else an error. */
  x?: string;
  /** Preferred area code; then the callee's, then the caller's, then any (fallback). */
  areaCode?: string;
  areaMatch?: AreaMatch;
  ttlSeconds: number;
  releaseAfterCallSeconds?: number;
  maxCallSeconds?: number;
  callRestriction?: CallRestriction;
  record?: boolean;
  outId?: string;
  metadata?: Record<string, string>;
}

export interface BindingPatch {
  ttlSeconds?: number;
  b?: string;
  callRestriction?: CallRestriction;
  maxCallSeconds?: number;
}

/** The answer to "caller C dialled X": which binding, whom to call, and in which direction. */
export interface CallLookup {
  binding: Binding;
  target: string;
  direction: CallDirection;
}

export interface PoolStats {
  tenant: string;
  group: string;
  areaCode: string;
  numbers: number;
  activeNumbers: number;
  liveBindings: number;
}

export interface NumberFilter {
  tenant?: string;
  group?: string;
  areaCode?: string;
  status?: NumberStatus;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  limit: number;
}

export interface BindingFilter {
  tenant?: string;
  party?: string;
  x?: string;
}

/**
 * What the API and the call flows need from the bindings engine. Implemented on Redis by
 * store.ts. Every method throws AppError (errors.ts) for expected failures:
 * PN_ERR_POOL_EXHAUSTED, PN_ERR_X_UNAVAILABLE, PN_ERR_BINDING_NOT_FOUND, PN_ERR_STORE_UNAVAILABLE, ...
 */
export interface BindingService {
  addNumbers(numbers: Array<{ number: string; areaCode: string; tenant: string; group: string }>): Promise<{ added: string[]; existing: string[] }>;
  getNumber(number: string): Promise<PoolNumber | null>;
  listNumbers(filter: NumberFilter): Promise<{ items: PoolNumber[]; nextCursor?: string }>;
  setNumberStatus(number: string, status: NumberStatus): Promise<PoolNumber>;
  /** Refuses (PN_ERR_NUMBER_IN_USE) while live bindings use the number. */
  removeNumber(number: string): Promise<void>;
  poolStats(filter?: { tenant?: string; group?: string }): Promise<PoolStats[]>;

  /** Creates a binding, or returns the live binding of the same (tenant, mode, a, b) with its expiry extended (created=false). */
  bind(req: NewBinding): Promise<{ binding: Binding; created: boolean }>;
  get(id: string): Promise<Binding | null>;
  find(filter: BindingFilter): Promise<Binding[]>;
  update(id: string, patch: BindingPatch): Promise<Binding>;
  /** Releases now, or when the call in progress ends. */
  unbind(id: string): Promise<void>;

  /** (caller, X) -> binding and target, in one Redis round trip; never an expired binding. */
  lookup(caller: string, x: string): Promise<CallLookup | null>;
  /** A call on the binding was connected or is being set up. */
  callStarted(bindingId: string): Promise<void>;
  /** A call ended: the release timer starts (expiry = now + releaseAfterCallSeconds). */
  callEnded(bindingId: string): Promise<Binding | null>;
}
