import { Type, type Static } from '@sinclair/typebox';
import { DateTime, E164, PhoneNumber } from './common.ts';

export const CallbackStatus = Type.Union([
  Type.Literal('queued'),
  Type.Literal('calling-a'),
  Type.Literal('a-answered'),
  Type.Literal('calling-b'),
  Type.Literal('connected'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);

export const StartCallBody = Type.Object(
  {
    bindingId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    a: Type.Optional(PhoneNumber),
    b: Type.Optional(PhoneNumber),
    x: Type.Optional(PhoneNumber),
  },
  { additionalProperties: false, description: 'Either {bindingId} or {a, b, x?}' },
);
export type StartCallBody = Static<typeof StartCallBody>;

export const CallAccepted = Type.Object({ id: Type.String(), status: CallbackStatus, x: E164 });

export const CallParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
export type CallParams = Static<typeof CallParams>;

export const CallView = Type.Object(
  {
    id: Type.String(),
    status: CallbackStatus,
    x: E164,
    bindingId: Type.Optional(Type.String()),
    a: Type.Optional(E164),
    b: Type.Optional(E164),
    createdAt: DateTime,
    answeredAt: Type.Optional(DateTime),
    endedAt: Type.Optional(DateTime),
    reason: Type.Optional(Type.String()),
  },
  { $id: 'Call', title: 'Call' },
);
