/**
 * Just2Trade's fixture collections: OAuth clients (`clients`) and users (`users`). The default user
 * has exactly the profile of the docs' example; the default client's secret is generated from the seed
 * and shown at startup and in `GET /__mock/just2trade/clients`.
 */
import type { CollectionDefinition, DefaultFixtures, FixtureContext } from '../../src/index.ts';
import type { Just2Trade } from './index.ts';

export const AUTH_MOUNT = '/just2trade/auth';
export const API_MOUNT = '/just2trade/api';

export interface OAuthClient extends Record<string, unknown> {
  clientId: string;
  clientSecret: string;
  /** Exact strings; a redirect_uri must equal one of them (no normalisation, RFC 9700). */
  redirectUris: string[];
}

export interface TradingAccount {
  account_number: string;
  trade_platform: string;
}

export interface Just2TradeUser extends Record<string, unknown> {
  /** Optional when added through the control API: the profile then uses an id derived from the login. */
  id?: string;
  login: string;
  password: string;
  email: string;
  domestic: boolean;
  accounts: TradingAccount[];
  applicationStatus: string;
  /**
   * A user Just2Trade has disabled (a partner-side change: `PATCH /__mock/just2trade/users/{login}
   * {"disabled": true}`) cannot sign in, and the tokens already issued to them are refused; absent is false.
   */
  disabled?: boolean;
}

export const collections: Record<string, CollectionDefinition> = {
  clients: {
    description: 'Registered third-party services (client_id, client_secret, redirect URIs).',
    idField: 'clientId',
    schema: {
      type: 'object',
      required: ['clientId', 'clientSecret', 'redirectUris'],
      properties: {
        clientId: { type: 'string', minLength: 1 },
        clientSecret: { type: 'string', minLength: 1 },
        // Absolute URIs without a fragment (RFC 6749 §3.1.2), compared character for character.
        redirectUris: { type: 'array', minItems: 1, items: { type: 'string', format: 'uri', pattern: '^[^#]*$' } },
      },
      additionalProperties: false,
    },
  },
  users: {
    description: 'Just2Trade users who can sign in on the login form; their profile is GET /auth.',
    idField: 'login',
    schema: {
      type: 'object',
      required: ['login', 'password', 'email'],
      properties: {
        id: { type: 'string', format: 'uuid' },
        login: { type: 'string', minLength: 1 },
        password: { type: 'string', minLength: 1 },
        email: { type: 'string', format: 'email' },
        domestic: { type: 'boolean', default: true },
        accounts: {
          type: 'array',
          items: {
            type: 'object',
            required: ['account_number', 'trade_platform'],
            // As strict as the profile's Account schema, so an added user's profile is always valid.
            properties: {
              account_number: { type: 'string', minLength: 1 },
              trade_platform: { type: 'string', minLength: 1 },
            },
            additionalProperties: false,
          },
          default: [],
        },
        applicationStatus: { type: 'string', minLength: 1, default: 'process' },
        // Partner-side (README, "Partner-side events"): a fixture update, PATCH .../users/{login}.
        disabled: {
          type: 'boolean',
          default: false,
          description: 'A disabled user cannot sign in, and their tokens are refused, until enabled again.',
        },
      },
      additionalProperties: false,
    },
  },
};

export const DEFAULT_CLIENT_ID = 'crm-demo';
export const DEFAULT_REDIRECT_URI = 'http://localhost:3000/callback';

export function defaultFixtures({ faker }: FixtureContext<Just2Trade>) {
  return {
    clients: [
      {
        clientId: DEFAULT_CLIENT_ID,
        clientSecret: faker.string.alphanumeric({ length: 32 }),
        redirectUris: [DEFAULT_REDIRECT_URI],
      } satisfies OAuthClient,
    ],
    users: [
      {
        id: '8f1e7eba-0000-0000-0000-2b67c9af83a5',
        login: 'login',
        password: 'password',
        email: 'login@email.com',
        domestic: true,
        accounts: [
          { account_number: '12345678@vision', trade_platform: 'ETNA' },
          { account_number: '11111111@cor', trade_platform: 'ETNA' },
        ],
        applicationStatus: 'process',
        disabled: false,
      } satisfies Just2TradeUser,
    ],
  };
}

/** The startup banner's lines: the default client (with its secret) and the first user, of the defaults. */
export function describeFixtures(fixtures: DefaultFixtures): string[] {
  const client = fixtures.get<OAuthClient>('clients', DEFAULT_CLIENT_ID);
  const [user] = fixtures.list<Just2TradeUser>('users');
  return [
    ...(client
      ? [
          `OAuth client           ${client.clientId} / ${client.clientSecret}  redirect URI ${client.redirectUris.join(', ')}`,
        ]
      : []),
    ...(user ? [`user                   ${user.login} / ${user.password}`] : []),
  ];
}

/** What `partnermock init` suggests for this provider in a new config file (commented out there). */
export const configExample = {
  notes: ['A redirect_uri must equal one of redirectUris exactly.'],
  fixtures: [
    'clients:',
    '  - clientId: my-crm',
    '    clientSecret: ${J2T_CLIENT_SECRET:-change-me}',
    '    redirectUris:',
    '      - http://localhost:3000/callback',
    '      - http://localhost:3000/auth/just2trade/callback',
    'users:',
    '  - login: qa-trader',
    '    password: Qa-Trader-1',
    '    email: qa-trader@crm.example',
    "    accounts: [{ account_number: '20000001@vision', trade_platform: ETNA }]",
  ],
};
