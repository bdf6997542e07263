import { Type, type Static } from '@sinclair/typebox';
import { Cursor, DateTime, Limit } from './common.ts';

const Instant = Type.String({ minLength: 1, maxLength: 40, description: 'ISO 8601 date-time or epoch milliseconds' });

export const ListRecordsQuery = Type.Object(
  {
    bindingId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    since: Type.Optional(Instant),
    until: Type.Optional(Instant),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false, description: 'Records with since <= invitedAt < until, oldest first' },
);
export type ListRecordsQuery = Static<typeof ListRecordsQuery>;

export const RecordView = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('direct'), Type.Literal('callback')]),
    bindingId: Type.Optional(Type.String()),
    outId: Type.Optional(Type.String()),
    x: Type.String(),
    caller: Type.String(),
    callee: Type.Optional(Type.String()),
    direction: Type.Optional(Type.Union([Type.Literal('a-to-b'), Type.Literal('b-to-a')])),
    invitedAt: DateTime,
    ringingAt: Type.Optional(DateTime),
    answeredAt: Type.Optional(DateTime),
    endedAt: Type.Optional(DateTime),
    durationSeconds: Type.Optional(Type.Number()),
    outcome: Type.Optional(Type.String()),
    finalStatus: Type.Optional(Type.Integer()),
    hangupBy: Type.Optional(Type.String()),
  },
  { $id: 'CallRecord', title: 'CallRecord' },
);

export const RecordList = Type.Object({ items: Type.Array(Type.Ref(RecordView)), nextCursor: Type.Optional(Type.String()) });

export const RecordParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
export type RecordParams = Static<typeof RecordParams>;

