/**
 * Keeta's fixture collections: apps, merchants, and the read-only authorizations the merchant page
 * records. The default app is the one in the docs' example URL.
 */
import type { CollectionDefinition, DefaultFixtures, FixtureContext } from '../../src/index.ts';
import type { Keeta } from './index.ts';
import type { KeetaOptions } from './options.ts';

export type AppMode = 'client_credentials' | 'shop_level_authorization_code';

export interface KeetaApp extends Record<string, unknown> {
  clientId: string;
  appId: string;
  mode: AppMode;
  /** When present, redirectUri must equal one of these. */
  redirectUris?: string[];
  region: string;
  cityId: string;
  locale: string;
  /**
   * An app Keeta has disabled (a partner-side change: `PATCH /__mock/keeta/apps/{clientId}
   * {"disabled": true}`) gets no authorization link, and its merchant page refuses; absent is false.
   */
  disabled?: boolean;
}

export interface Merchant extends Record<string, unknown> {
  id: string;
  name: string;
  city: string;
}

/**
 * A completed merchant decision on the merchant page, as listed at `GET /__mock/keeta/authorizations`.
 * Denied ones are kept too, so a test can see that the merchant said no.
 */
export interface KeetaAuthorization extends Record<string, unknown> {
  /** Fresh per decision (UUID v4); the `authId` of the redirect back. */
  authId: string;
  decision: 'authorized' | 'denied';
  clientId: string;
  appId: string;
  mode: AppMode;
  /** The merchant picked on the page (absent when a merchant denied without picking one). */
  merchantId?: string;
  merchantName?: string;
  /** The `state` the link carried, unchanged ('' when none). */
  state: string;
  /** Absent when the link had no redirectUri: the page itself showed the result. */
  redirectUri?: string;
  /** Only in shop_level_authorization_code mode, and only when authorized. */
  code?: string;
  /** Epoch milliseconds on the session clock: the redirect's `timestamp`. */
  timestamp: number;
  createdAt: string;
  /**
   * When the authorization was revoked on Keeta's side (`POST /__mock/keeta/authorizations/{authId}/revoke`),
   * ISO 8601 on the session clock; absent while it stands.
   */
  revokedAt?: string;
}

export const DEFAULT_CLIENT_ID = 'keeta-demo';

export const collections: Record<string, CollectionDefinition> = {
  apps: {
    description: 'Applications (Software Services) registered with Keeta.',
    idField: 'clientId',
    schema: {
      type: 'object',
      required: ['clientId', 'appId', 'mode'],
      properties: {
        clientId: { type: 'string', minLength: 1 },
        appId: { type: 'string', minLength: 1 },
        mode: { enum: ['client_credentials', 'shop_level_authorization_code'] },
        redirectUris: { type: 'array', items: { type: 'string', format: 'uri', pattern: '^https?://' } },
        region: { type: 'string', default: 'BR' },
        cityId: { type: 'string', default: '110200008' },
        locale: { type: 'string', default: 'en' },
        // Partner-side (README, "Partner-side events"): a fixture update, PATCH .../apps/{clientId}.
        disabled: {
          type: 'boolean',
          default: false,
          description: 'A disabled app gets no authorization link, and its merchant page refuses, until enabled again.',
        },
      },
      additionalProperties: false,
    },
  },
  merchants: {
    description: 'Merchants who can authorize an app on the merchant page.',
    idField: 'id',
    schema: {
      type: 'object',
      required: ['id', 'name'],
      properties: {
        id: { type: 'string', minLength: 1 },
        name: { type: 'string', minLength: 1 },
        city: { type: 'string' },
      },
      additionalProperties: false,
    },
  },
  authorizations: {
    description:
      'Completed merchant decisions (authorized or denied), filled by the merchant page; revokedAt once revoked.',
    idField: 'authId',
    readOnly: true,
    // Filled by every decision, so bounded: beyond it the core drops the oldest (and logs it).
    maxItems: (options: KeetaOptions) => options.maxAuthorizations,
    // Read-only: nothing is ever validated against this; it documents what the page stores.
    schema: {
      type: 'object',
      required: ['authId', 'decision', 'clientId', 'appId', 'mode', 'state', 'timestamp', 'createdAt'],
      properties: {
        authId: { type: 'string' },
        decision: { enum: ['authorized', 'denied'] },
        clientId: { type: 'string' },
        appId: { type: 'string' },
        mode: { enum: ['client_credentials', 'shop_level_authorization_code'] },
        merchantId: { type: 'string' },
        merchantName: { type: 'string' },
        state: { type: 'string' },
        redirectUri: { type: 'string' },
        code: { type: 'string' },
        timestamp: { type: 'integer' },
        createdAt: { type: 'string', format: 'date-time' },
        // Set by POST /__mock/keeta/authorizations/{authId}/revoke.
        revokedAt: { type: 'string', format: 'date-time' },
      },
    },
  },
};

export function defaultFixtures({ faker }: FixtureContext<Keeta>) {
  return {
    apps: [
      {
        clientId: DEFAULT_CLIENT_ID,
        appId: '2123830428',
        mode: 'client_credentials',
        region: 'BR',
        cityId: '110200008',
        locale: 'en',
        disabled: false,
      } satisfies KeetaApp,
    ],
    merchants: Array.from({ length: 3 }, (): Merchant => ({
      id: faker.string.numeric({ length: 9, allowLeadingZeros: false }),
      name: faker.company.name(),
      city: faker.location.city(),
    })),
  };
}

/** The startup banner's lines: the default app, as every session starts with it. */
export function describeFixtures(fixtures: DefaultFixtures): string[] {
  const app = fixtures.get<KeetaApp>('apps', DEFAULT_CLIENT_ID);
  return app
    ? [
        `app                    clientId ${app.clientId}, appId ${app.appId} (${app.region}, city ${app.cityId}, ` +
          `locale ${app.locale}), ${app.mode}`,
      ]
    : [];
}

/** What `partnermock init` suggests for this provider in a new config file (commented out there). */
export const configExample = {
  notes: ['A shop-level app gets keetaMerchantId and a one-time code on the redirect back.'],
  fixtures: [
    'apps:',
    '  - clientId: my-shop-app',
    "    appId: '9000000001'",
    '    mode: shop_level_authorization_code',
    '    redirectUris: [http://localhost:3000/keeta/callback]',
    'merchants:',
    "  - { id: '300000001', name: Test Burgers, city: Sao Paulo }",
  ],
};
