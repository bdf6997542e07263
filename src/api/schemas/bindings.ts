import { Type, type Static } from '@sinclair/typebox';
import { AreaCode, DateTime, E164, GroupName, PhoneNumber } from './common.ts';

const YEAR = 365 * 86_400;

export const BindingMode = Type.Union([Type.Literal('AXB'), Type.Literal('reverse'), Type.Literal('AXN')], { description: 'AXB: both ways; reverse: B reaches A through X; AXN: anyone reaches A' });
export const CallRestriction = Type.Union([Type.Literal('both'), Type.Literal('a-to-b'), Type.Literal('b-to-a')]);
export const AreaMatch = Type.Union([Type.Literal('strict'), Type.Literal('fallback')]);
const Metadata = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), { maxProperties: 32 });

export const CreateBindingBody = Type.Object(
  {
    mode: BindingMode,
    a: PhoneNumber,
    b: Type.Optional(PhoneNumber),
    x: Type.Optional(PhoneNumber),
    areaCode: Type.Optional(AreaCode),
    group: Type.Optional(GroupName),
    ttlSeconds: Type.Integer({ minimum: 1, maximum: YEAR }),
    releaseAfterCallSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: YEAR })),
    maxCallSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    callRestriction: Type.Optional(CallRestriction),
    areaMatch: Type.Optional(AreaMatch),
    record: Type.Optional(Type.Boolean()),
    outId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Your own reference, echoed in call records and webhooks' })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type CreateBindingBody = Static<typeof CreateBindingBody>;

export const BindingView = Type.Object(
  {
    id: Type.String(),
    mode: BindingMode,
    a: E164,
    b: Type.Optional(E164),
    x: E164,
    group: Type.String(),
    createdAt: DateTime,
    expiresAt: DateTime,
    releaseAfterCallSeconds: Type.Integer(),
    maxCallSeconds: Type.Optional(Type.Integer()),
    callRestriction: CallRestriction,
    record: Type.Boolean(),
    outId: Type.Optional(Type.String()),
    metadata: Type.Optional(Metadata),
    activeCalls: Type.Integer(),
    unbindPending: Type.Boolean(),
  },
  { $id: 'Binding', title: 'Binding' },
);

export const BindingParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
export type BindingParams = Static<typeof BindingParams>;

export const FindBindingsQuery = Type.Object(
  { party: Type.Optional(PhoneNumber), x: Type.Optional(PhoneNumber) },
  { additionalProperties: false, description: 'At least one of party and x' },
);
export type FindBindingsQuery = Static<typeof FindBindingsQuery>;

export const BindingList = Type.Object({ items: Type.Array(Type.Ref(BindingView)) });

export const PatchBindingBody = Type.Object(
  {
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: YEAR, description: 'New expiry: now + ttlSeconds' })),
    b: Type.Optional(PhoneNumber),
    callRestriction: Type.Optional(CallRestriction),
    maxCallSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchBindingBody = Static<typeof PatchBindingBody>;
