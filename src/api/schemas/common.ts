// TypeBox schemas shared by the routes: they validate requests, shape responses and generate the
// OpenAPI document, so the three cannot drift apart.
import { Type, type TSchema } from '@sinclair/typebox';

export const PhoneNumber = Type.String({
  minLength: 1,
  maxLength: 32,
  description: 'E.164 (+8613800138000). National ("13800138000", "013800138000") and 00-prefixed forms are normalised with the default country code.',
  examples: ['+8613800138000'],
});

export const E164 = Type.String({ pattern: '^\\+[1-9][0-9]{7,14}$', description: 'E.164', examples: ['+8613800138000'] });

export const AreaCode = Type.String({ pattern: '^[0-9]{1,8}$', description: 'Area code (city), digits', examples: ['10'] });

export const GroupName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description: 'Pool group of the tenant (default "default")' });

export const DateTime = Type.String({ format: 'date-time' });

export const Cursor = Type.String({ minLength: 1, maxLength: 512, description: 'Opaque cursor from nextCursor of the previous page' });

export const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'PN_ERR_* (see the error catalogue)' }),
      message: Type.String(),
      field: Type.Optional(Type.String({ description: 'The request field at fault' })),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'Error', title: 'Error' },
);

/** Error answers every route may give. */
export const errorResponses = { '4xx': Type.Ref(ErrorBody), '5xx': Type.Ref(ErrorBody) };

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Retries with the same key and body return the first answer' })),
});

export const bearer = [{ bearerAuth: [] as string[] }];

export function withErrors<T extends Record<string, TSchema>>(ok: T): T & typeof errorResponses {
  return { ...ok, ...errorResponses };
}
