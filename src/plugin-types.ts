/**
 * Type-level readers of one operation of openapi-typescript's generated `operations` interface, so a
 * handler's request and answers are typed from its spec. Each falls back to a loose type when the
 * operation is `unknown` (a plugin written without generated types).
 *
 * The generated shape, for reference:
 *   signIn: {
 *     parameters: { query?: never; header?: never; path?: never; cookie?: never };
 *     requestBody: { content: { 'application/json': SignInRequest } };
 *     responses: { 200: { headers: {...}; content: { 'application/json': SignInResponse } }; 401: ... };
 *   }
 */

/** `true` when `T` is `unknown` (no generated types to go by). */
type IsUnknown<T> = unknown extends T ? true : false;

/** An object type, or an empty record for `never`/`undefined` (openapi-typescript's "no such parameters"). */
type ObjectOr<T> = [T] extends [never] ? Record<string, never> : [T] extends [undefined] ? Record<string, never> : T;

/** The operation's path, query or header parameters as the validator hands them over. */
export type OperationParameters<Op, In extends 'path' | 'query' | 'header'> =
  IsUnknown<Op> extends true
    ? Record<string, unknown>
    : Op extends { parameters: infer P }
      ? In extends keyof P
        ? ObjectOr<NonNullable<P[In]>>
        : Record<string, never>
      : Record<string, never>;

/** The request body: the declared media types' schema types, `undefined` where the body is optional or absent. */
export type OperationBody<Op> =
  IsUnknown<Op> extends true
    ? unknown
    : Op extends { requestBody?: infer B }
      ? [NonNullable<B>] extends [never]
        ? undefined
        : NonNullable<B> extends { content: infer C }
          ? C[keyof C] | (undefined extends B ? undefined : never)
          : undefined
      : undefined;

type Responses<Op> = Op extends { responses: infer R } ? R : never;

/** Every status the operation declares, as a number (`4XX` and `default` ranges are not concrete statuses). */
export type OperationStatus<Op> = IsUnknown<Op> extends true ? number : keyof Responses<Op> & number;

type MediaKind = 'json' | 'html';
type MediaKeys<C, Kind extends MediaKind> = Kind extends 'json'
  ? Extract<keyof C, `${string}json`>
  : Extract<keyof C, 'text/html'>;

/** Statuses whose declared answer has a body of this kind (JSON, or HTML). */
export type StatusWithBody<Op, Kind extends MediaKind> =
  IsUnknown<Op> extends true
    ? number
    : {
        [S in OperationStatus<Op>]: Responses<Op>[Extract<S, keyof Responses<Op>>] extends { content: infer C }
          ? [MediaKeys<C, Kind>] extends [never]
            ? never
            : S
          : never;
      }[OperationStatus<Op>];

/** The declared body of one status, for the media kind. */
export type BodyOfStatus<Op, S, Kind extends MediaKind> =
  IsUnknown<Op> extends true
    ? unknown
    : S extends keyof Responses<Op>
      ? Responses<Op>[S] extends { content: infer C }
        ? C[MediaKeys<C, Kind>]
        : never
      : never;
