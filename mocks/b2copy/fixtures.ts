/**
 * B2COPY's fixture collections and their defaults. The defaults make the docs' own examples work as
 * written: the Back Office user of `POST /api/v2/signin`, the Side Auth secret key and account of
 * `getAuthUrl`, and a service admin with an external-CRM integration whose development key pair ships in
 * `dev-keys/` (test only).
 */
import { fileURLToPath } from 'node:url';
import type { CollectionDefinition, DefaultFixtures, FixtureContext } from '../../src/index.ts';
import { DEV_KEY_ID, DEV_PRIVATE_KEY_URL, devPublicKeyPem } from './dev-keys/dev-key.ts';
import type { B2Copy } from './index.ts';
import { allowedIpSchema } from './ip-address.ts';
import { publicKeyProblem } from './keys.ts';

/** Where B2COPY is served: the path of the spec's `http://localhost:4010/b2copy` server. */
export const MOUNT = '/b2copy';

export interface BackOfficeUser extends Record<string, unknown> {
  email: string;
  password: string;
  /** A user with two-factor sign-in gets `2faRequired: true` and no tokens. */
  twoFactor: boolean;
}
export interface ServiceAdmin extends Record<string, unknown> {
  id: string | number;
}
export interface Integration extends Record<string, unknown> {
  keyId: string;
  publicKeyPem: string;
  /** Single addresses (`127.0.0.1`, `::1`) or CIDR ranges (`10.0.0.0/8`, `fd00::/8`). */
  allowedIps: string[];
  /**
   * A disabled key signs in nothing (`403 integration_disabled`) until enabled again; left out, false.
   * A partner-side change: `PATCH /__mock/b2copy/integrations/{keyId} {"disabled": true}`.
   */
  disabled?: boolean;
}
export interface Account extends Record<string, unknown> {
  accountId: string;
  investmentPlatformId: string;
}
export interface SideAuthSettings extends Record<string, unknown> {
  name: string;
  /** May be empty: the docs warn that saving Settings can reset it, and then every getAuthUrl fails. */
  secretKey: string;
  redirectUrl: string;
}

export const collections: Record<string, CollectionDefinition> = {
  users: {
    description: 'Back Office users who can sign in with POST /api/v2/signin.',
    idField: 'email',
    schema: {
      type: 'object',
      required: ['email', 'password'],
      properties: {
        email: { type: 'string', format: 'email' },
        password: { type: 'string', minLength: 1 },
        twoFactor: { type: 'boolean', default: false },
      },
      additionalProperties: false,
    },
  },
  admins: {
    description: 'Service admins an external CRM may act for (the JWT claim admin_id).',
    idField: 'id',
    schema: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: ['string', 'integer'], minLength: 1 } },
      additionalProperties: false,
    },
  },
  integrations: {
    description: 'External CRM integrations: the public key registered under a key id, and the IPs allowed to use it.',
    idField: 'keyId',
    // The schema reads a PEM's shape; what key it holds is read here, so a wrong one is refused when added.
    check: (item) => {
      const problem = publicKeyProblem(String(item.publicKeyPem));
      return problem ? { path: ['publicKeyPem'], message: problem } : undefined;
    },
    schema: {
      type: 'object',
      required: ['keyId', 'publicKeyPem', 'allowedIps'],
      properties: {
        keyId: { type: 'string', minLength: 1 },
        // An SPKI PEM as `openssl pkey -pubout` writes it (docs: b2copy-external-crm.md); that it is an EC P-256 key is
        // checked by `check` above, for the control API and the config file alike.
        publicKeyPem: {
          type: 'string',
          pattern: '^\\s*-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\\s]+-----END PUBLIC KEY-----\\s*$',
          maxLength: 4096,
        },
        // Addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`); see allowedIpSchema for what each error means.
        allowedIps: { type: 'array', items: allowedIpSchema, minItems: 1 },
        // No schema `default`: an item given without it (a config file's) is kept as written; absent is false.
        disabled: {
          type: 'boolean',
          description: 'A disabled key signs in nothing until enabled again (default false).',
        },
      },
      additionalProperties: false,
    },
  },
  accounts: {
    description: 'Client trading accounts (MT logins) on an investment platform.',
    idField: 'accountId',
    schema: {
      type: 'object',
      required: ['accountId', 'investmentPlatformId'],
      properties: {
        accountId: { type: 'string', minLength: 1 },
        investmentPlatformId: { type: 'string', minLength: 1 },
      },
      additionalProperties: false,
    },
  },
  settings: {
    description: 'The Back Office "Side Auth" settings (System > Settings): Secret Key and Redirect URL.',
    idField: 'name',
    schema: {
      type: 'object',
      required: ['name', 'secretKey', 'redirectUrl'],
      properties: {
        name: { const: 'sideAuth' },
        secretKey: { type: 'string' },
        redirectUrl: { type: 'string', format: 'uri' },
      },
      additionalProperties: false,
    },
  },
};

export function defaultFixtures({ urlFor }: FixtureContext<B2Copy>) {
  return {
    users: [{ email: 'username@example.com', password: 'Secret123', twoFactor: false } satisfies BackOfficeUser],
    admins: [{ id: 1 } satisfies ServiceAdmin],
    integrations: [
      {
        keyId: DEV_KEY_ID,
        publicKeyPem: devPublicKeyPem(),
        allowedIps: ['127.0.0.1', '::1'],
        disabled: false,
      } satisfies Integration,
    ],
    accounts: [{ accountId: '77632289', investmentPlatformId: '1' } satisfies Account],
    settings: [
      { name: 'sideAuth', secretKey: 'Password1234!', redirectUrl: urlFor(MOUNT, '/webui') } satisfies SideAuthSettings,
    ],
  };
}

/** The startup banner's lines: the default credentials, the dev key and where the token JWKS is. */
export function describeFixtures(fixtures: DefaultFixtures, { publicUrl }: FixtureContext<B2Copy>): string[] {
  const [user] = fixtures.list<BackOfficeUser>('users');
  const [account] = fixtures.list<Account>('accounts');
  const [admin] = fixtures.list<ServiceAdmin>('admins');
  const sideAuth = fixtures.get<SideAuthSettings>('settings', 'sideAuth');
  return [
    `Back Office sign-in    ${user ? `${user.email} / ${user.password}` : '(no user)'}`,
    `Side Auth secret key   ${sideAuth?.secretKey || '(empty)'}  (account ${account?.accountId ?? '-'}, investment platform ${account?.investmentPlatformId ?? '-'})`,
    `external CRM           key id ${DEV_KEY_ID}, admin ${admin?.id ?? '-'}, test-only private key ${fileURLToPath(DEV_PRIVATE_KEY_URL)}`,
    `token JWKS             ${publicUrl}/__mock/b2copy/jwks.json`,
  ];
}

/** What `partnermock init` suggests for this provider in a new config file (commented out there). */
export const configExample = {
  notes: [
    'The integration key: an EC P-256 public key (ES256), e.g. made with',
    '  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out crm-staging.pem',
    '  openssl pkey -in crm-staging.pem -pubout -out crm-staging.pub.pem',
    'allowedIps take single addresses and CIDR ranges (10.0.0.0/8, fd00::/8).',
  ],
  fixtures: [
    'users:',
    '  - { email: qa@crm.example, password: Qa-Secret-1 }',
    '  - { email: qa-2fa@crm.example, password: Qa-Secret-2, twoFactor: true }',
    'admins:',
    '  - { id: 42 }',
    'integrations:',
    '  - keyId: crm-staging',
    '    publicKeyPem: { file: ./keys/crm-staging.pub.pem }',
    "    allowedIps: [127.0.0.1, '::1', 10.0.0.0/8, 'fd00::/8']",
    'accounts:',
    "  - { accountId: '10000001', investmentPlatformId: '1' }",
  ],
};
