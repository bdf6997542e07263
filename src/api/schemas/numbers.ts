import { Type, type Static } from '@sinclair/typebox';
import { AreaCode, Cursor, E164, GroupName, Limit, PhoneNumber } from './common.ts';

export const NumberStatus = Type.Union([Type.Literal('active'), Type.Literal('disabled')]);

export const AddNumbersBody = Type.Object(
  {
    numbers: Type.Array(PhoneNumber, { minItems: 1, maxItems: 1000 }),
    areaCode: AreaCode,
    group: Type.Optional(GroupName),
  },
  { additionalProperties: false },
);
export type AddNumbersBody = Static<typeof AddNumbersBody>;

export const AddNumbersReply = Type.Object({
  added: Type.Array(E164),
  existing: Type.Array(E164, { description: 'Already in the pool, left unchanged' }),
});

export const NumberView = Type.Object({ number: E164, group: Type.String(), areaCode: Type.String(), status: NumberStatus }, { $id: 'PoolNumber', title: 'PoolNumber' });

export const ListNumbersQuery = Type.Object(
  {
    group: Type.Optional(GroupName),
    areaCode: Type.Optional(AreaCode),
    status: Type.Optional(NumberStatus),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type ListNumbersQuery = Static<typeof ListNumbersQuery>;

export const NumberList = Type.Object({ items: Type.Array(Type.Ref(NumberView)), nextCursor: Type.Optional(Type.String()) });

export const NumberParams = Type.Object({ number: PhoneNumber });
export type NumberParams = Static<typeof NumberParams>;

export const PatchNumberBody = Type.Object({ status: NumberStatus }, { additionalProperties: false });
export type PatchNumberBody = Static<typeof PatchNumberBody>;

export const PoolStatsQuery = Type.Object({ group: Type.Optional(GroupName) }, { additionalProperties: false });
export type PoolStatsQuery = Static<typeof PoolStatsQuery>;

export const PoolStatsReply = Type.Object({
  items: Type.Array(
    Type.Object({
      group: Type.String(),
      areaCode: Type.String(),
      numbers: Type.Integer(),
      activeNumbers: Type.Integer(),
      liveBindings: Type.Integer(),
      utilization: Type.Number({ description: 'Live bindings per active number (AXB shares one X between pairs, so it can exceed 1)' }),
    }),
  ),
});
