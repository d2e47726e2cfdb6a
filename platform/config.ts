import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SERVICES, type Service } from '../db/roles.ts';
import { DEFAULT_SUBGRAPH_PORTS, SUBGRAPH_NAMES, type SubgraphName } from './subgraph-names.ts';

const port = z.coerce.number().int().min(0).max(65535);
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/.+/, 'expected a postgres:// or postgresql:// URL');
const secret = z.string().min(32, 'must be at least 32 characters');
const points = z.coerce.number().positive().max(1e9);
const isAes256Key = (value: string) =>
  /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32;
const aes256Key = z.string().refine(isAes256Key, 'must be 32 bytes, base64-encoded');
const aes256Keys = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key !== ''),
  )
  .refine((keys) => keys.every(isAes256Key), 'must be comma-separated keys of 32 bytes, base64-encoded');

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(4000),
  TENANCY_PORT: port.default(DEFAULT_SUBGRAPH_PORTS.tenancy),
  CRM_PORT: port.default(DEFAULT_SUBGRAPH_PORTS.crm),
  BILLING_PORT: port.default(DEFAULT_SUBGRAPH_PORTS.billing),
  DOCUMENTS_PORT: port.default(DEFAULT_SUBGRAPH_PORTS.documents),
  TENANCY_URL: z.url().optional(),
  CRM_URL: z.url().optional(),
  BILLING_URL: z.url().optional(),
  DOCUMENTS_URL: z.url().optional(),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .refine((value) => {
      // zod runs this check even after the URL check failed; that failure already names the variable.
      if (!URL.canParse(value)) return true;
      const url = new URL(value);
      return url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    }, 'expected an http(s) origin, optionally with a path, such as https://api.example.com')
    .optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_TENANCY_URL: postgresUrl.optional(),
  DATABASE_CRM_URL: postgresUrl.optional(),
  DATABASE_BILLING_URL: postgresUrl.optional(),
  DATABASE_DOCUMENTS_URL: postgresUrl.optional(),
  DATABASE_GATEWAY_URL: postgresUrl.optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'expected a redis:// or rediss:// URL')
    .optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,100}$/, 'expected up to 100 letters, digits and _ : . -')
    .default('firmgraph:'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
  EMBEDDED_PG_PORT: port.default(54329),
  DATA_DIR: z.string().min(1).default('.data'),
  JWT_SECRET: secret.optional(),
  CONTEXT_SIGNING_SECRET: secret.optional(),
  MFA_ENCRYPTION_KEY: aes256Key.optional(),
  MFA_PREVIOUS_ENCRYPTION_KEYS: aes256Keys.default([]),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50_000_000).default(1_000_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BREAK_GLASS_APPROVAL: z.enum(['required', 'optional']).default('required'),
  RATE_LIMIT_BUCKET_SIZE: points.default(1000),
  RATE_LIMIT_RESTORE_RATE: points.default(50),
  RATE_LIMIT_FIRM_BUCKET_SIZE: points.default(5000),
  RATE_LIMIT_FIRM_RESTORE_RATE: points.default(250),
  RATE_LIMIT_ANONYMOUS_BUCKET_SIZE: points.default(200),
  RATE_LIMIT_ANONYMOUS_RESTORE_RATE: points.default(5),
  OPERATION_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  WS_ALLOWED_ORIGINS: z
    .string()
    .regex(
      /^(https?:\/\/[^\s,]+(\s*,\s*https?:\/\/[^\s,]+)*)?$/,
      'expected comma-separated origins such as https://app.example.com',
    )
    .default(''),
  WS_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(20),
  WS_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(20),
  WS_SESSION_CHECK_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|\d{1,2}|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/,
      'expected true, false, a hop count, or addresses, subnets and names (loopback, linklocal, uniquelocal), comma-separated',
    )
    .default('false'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name')
    .optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: z.url().optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
});

/** Validated configuration. Ports are TCP ports; sizes are bytes. */
export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  host: string;
  gatewayPort: number;
  subgraphPorts: Record<SubgraphName, number>;
  /** Where the gateway reaches each subgraph's `/graphql`. */
  subgraphUrls: Record<SubgraphName, string>;
  /**
   * Where clients reach the gateway (`PUBLIC_URL`, without a trailing slash), for the absolute links
   * the API hands out, such as signed downloads (platform/downloads.ts). Default `http://localhost:<PORT>`.
   */
  publicUrl: string;
  /** Privileged connection for bootstrap and migrations; unset means the embedded PostgreSQL. */
  databaseUrl: string | undefined;
  /**
   * Each service's own connection (`DATABASE_<SERVICE>_URL`), as its role of db/roles.ts
   * `SERVICE_ROLES`; a service without one derives it from `databaseUrl` (db/setup.ts).
   */
  databaseUrls: Partial<Record<Service, string>>;
  databasePoolMax: number;
  /**
   * Redis when set (`redis://…`), for the event bus (platform/event-bus.ts) and the rate-limit buckets
   * (gateway/limits/redis-buckets.ts); unset means PostgreSQL for both (LISTEN/NOTIFY, `tenancy.rate_limit_buckets`).
   */
  redisUrl: string | null;
  /** Prefix of every key FirmGraph stores in Redis (`<prefix>rate:<bucket key>`), so deployments can share one Redis. */
  redisKeyPrefix: string;
  embeddedPgPort: number;
  /** Absolute path of the data directory (embedded PostgreSQL, development secrets). */
  dataDir: string;
  /** HS256 key of staff access tokens. */
  jwtSecret: string;
  /** HS256 key of the gateway-signed context that subgraphs verify. */
  contextSigningSecret: string;
  /** AES-256-GCM key (32 bytes) that seals TOTP secrets at rest. */
  mfaEncryptionKey: Buffer;
  /** Retired keys that still open TOTP secrets sealed before a rotation (each is re-sealed on its next use). */
  mfaPreviousEncryptionKeys: Buffer[];
  bodyLimitBytes: number;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** `required`: a break-glass grant starts only when a second operator approves it; `optional`: at request. */
  breakGlassApproval: 'required' | 'optional';
  /** Query-cost leaky buckets (gateway/limits/rate-limit.ts): per user, API key or operator; per firm; per anonymous IP. */
  rateLimits: Record<'caller' | 'firm' | 'anonymous', BucketLimit>;
  /** Milliseconds an operation may run at the gateway before its subgraph fetches are aborted. */
  operationTimeoutMs: number;
  /** The gateway's graphql-ws server (gateway/subscriptions/subscription-server.ts). */
  subscriptions: {
    /** Browser origins (`scheme://host[:port]`) allowed to open the WebSocket; requests without `Origin` are not browsers'. */
    allowedOrigins: string[];
    /** Open WebSocket connections one user, API key, portal user or operator may hold on one gateway process. */
    maxConnectionsPerUser: number;
    /** Messages a connection may send per second (a token bucket holding one second's worth). */
    messagesPerSecond: number;
    /** Milliseconds between re-checks of a connection's session (besides one at token expiry and one per event). */
    sessionCheckMs: number;
  };
  /**
   * Express's `trust proxy` for the gateway: which proxies' `X-Forwarded-For` names the client
   * address (used for per-IP rate limits and the audit log). `false` trusts none.
   */
  trustProxy: boolean | number | string;
  /**
   * Where documents keep their blobs (subgraphs/documents/storage): an S3-compatible bucket when
   * `S3_BUCKET` is set (credentials from `S3_ACCESS_KEY_ID`/`S3_SECRET_ACCESS_KEY`, else the AWS SDK's
   * default chain), else files under `<dataDir>/blobs`.
   */
  s3: {
    bucket: string;
    region: string;
    endpoint: string | undefined;
    credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    forcePathStyle: boolean;
  } | null;
}

/** One leaky bucket's shape: it holds `size` points and regains `restoreRate` points per second. */
export interface BucketLimit {
  size: number;
  restoreRate: number;
}

/** Thrown when the environment is invalid; `message` has one line per bad value, never a value itself. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates configuration from environment variables (README "Configuration").
 *
 * In production `JWT_SECRET`, `CONTEXT_SIGNING_SECRET` and `MFA_ENCRYPTION_KEY` are required. Elsewhere, missing secrets
 * are generated once into `<DATA_DIR>/dev-secrets.json`, so separately started processes agree.
 *
 * @throws ConfigError naming each missing or bad variable on its own line.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const missing: string[] = [];
  if (e.NODE_ENV === 'production') {
    if (!e.JWT_SECRET) missing.push('JWT_SECRET: required in production (at least 32 characters)');
    if (!e.CONTEXT_SIGNING_SECRET)
      missing.push('CONTEXT_SIGNING_SECRET: required in production (at least 32 characters)');
    if (!e.DATABASE_URL && !SERVICES.some((service) => e[serviceUrlVariable(service)]))
      missing.push('DATABASE_URL: required in production (or the DATABASE_<SERVICE>_URL of each service started)');
    if (!e.MFA_ENCRYPTION_KEY) missing.push('MFA_ENCRYPTION_KEY: required in production (32 bytes, base64)');
  }
  // A caller may spend its whole bucket in one query, so the firm's bucket must be able to hold that.
  if (e.RATE_LIMIT_FIRM_BUCKET_SIZE < e.RATE_LIMIT_BUCKET_SIZE) {
    missing.push('RATE_LIMIT_FIRM_BUCKET_SIZE: must be at least RATE_LIMIT_BUCKET_SIZE');
  }
  if (missing.length > 0) throw new ConfigError(`Invalid configuration:\n${missing.join('\n')}`);

  const dataDir = resolve(e.DATA_DIR);
  const devSecrets =
    e.JWT_SECRET && e.CONTEXT_SIGNING_SECRET && e.MFA_ENCRYPTION_KEY ? undefined : readOrCreateDevSecrets(dataDir);
  const subgraphPorts: Record<SubgraphName, number> = {
    tenancy: e.TENANCY_PORT,
    crm: e.CRM_PORT,
    billing: e.BILLING_PORT,
    documents: e.DOCUMENTS_PORT,
  };
  const explicitUrls: Record<SubgraphName, string | undefined> = {
    tenancy: e.TENANCY_URL,
    crm: e.CRM_URL,
    billing: e.BILLING_URL,
    documents: e.DOCUMENTS_URL,
  };
  const subgraphUrls = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [name, explicitUrls[name] ?? `http://127.0.0.1:${subgraphPorts[name]}/graphql`]),
  ) as Record<SubgraphName, string>;

  return {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    gatewayPort: e.PORT,
    subgraphPorts,
    subgraphUrls,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    databaseUrls: Object.fromEntries(
      SERVICES.flatMap((service) => {
        const url = e[serviceUrlVariable(service)];
        return url ? [[service, url]] : [];
      }),
    ),
    databasePoolMax: e.DATABASE_POOL_MAX,
    redisUrl: e.REDIS_URL ?? null,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    dataDir,
    jwtSecret: e.JWT_SECRET ?? devSecrets!.jwtSecret,
    contextSigningSecret: e.CONTEXT_SIGNING_SECRET ?? devSecrets!.contextSigningSecret,
    mfaEncryptionKey: Buffer.from(e.MFA_ENCRYPTION_KEY ?? devSecrets!.mfaEncryptionKey, 'base64'),
    mfaPreviousEncryptionKeys: e.MFA_PREVIOUS_ENCRYPTION_KEYS.map((key) => Buffer.from(key, 'base64')),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
    breakGlassApproval: e.BREAK_GLASS_APPROVAL,
    rateLimits: {
      caller: { size: e.RATE_LIMIT_BUCKET_SIZE, restoreRate: e.RATE_LIMIT_RESTORE_RATE },
      firm: { size: e.RATE_LIMIT_FIRM_BUCKET_SIZE, restoreRate: e.RATE_LIMIT_FIRM_RESTORE_RATE },
      anonymous: { size: e.RATE_LIMIT_ANONYMOUS_BUCKET_SIZE, restoreRate: e.RATE_LIMIT_ANONYMOUS_RESTORE_RATE },
    },
    operationTimeoutMs: e.OPERATION_TIMEOUT_MS,
    subscriptions: {
      allowedOrigins: e.WS_ALLOWED_ORIGINS.split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
      maxConnectionsPerUser: e.WS_MAX_CONNECTIONS_PER_USER,
      messagesPerSecond: e.WS_MESSAGES_PER_SECOND,
      sessionCheckMs: e.WS_SESSION_CHECK_MS,
    },
    trustProxy:
      e.TRUST_PROXY === 'true'
        ? true
        : e.TRUST_PROXY === 'false'
          ? false
          : /^\d+$/.test(e.TRUST_PROXY)
            ? Number(e.TRUST_PROXY)
            : e.TRUST_PROXY,
    s3: e.S3_BUCKET
      ? {
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
          endpoint: e.S3_ENDPOINT,
          credentials:
            e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
              ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
              : undefined,
          forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true',
        }
      : null,
  };
}

/** The variable naming `service`'s own database connection: `DATABASE_TENANCY_URL`, …, `DATABASE_GATEWAY_URL`. */
export function serviceUrlVariable(service: Service) {
  return `DATABASE_${service.toUpperCase() as Uppercase<Service>}_URL` as const;
}

/** Development-only secrets, persisted so that every local process uses the same ones. */
export interface DevSecrets {
  jwtSecret: string;
  contextSigningSecret: string;
  /** AES-256-GCM key of TOTP secrets, base64. */
  mfaEncryptionKey: string;
  /** Password of the embedded PostgreSQL's superuser. */
  postgresPassword: string;
  /**
   * Password of every service role (db/roles.ts `SERVICE_ROLES`) on the embedded PostgreSQL; files
   * written before each service had its own role keep the value they had for `firmgraph_app`.
   */
  appDbPassword: string;
}

/** Reads `<dataDir>/dev-secrets.json`, creating it with random values on first use. */
export function readOrCreateDevSecrets(dataDir: string): DevSecrets {
  const path = resolve(dataDir, 'dev-secrets.json');
  try {
    const existing = JSON.parse(readFileSync(path, 'utf8')) as DevSecrets;
    if (existing.mfaEncryptionKey) return existing;
    // A file written before MFA existed: add the key once, keeping the other secrets.
    const upgraded = { ...existing, mfaEncryptionKey: randomBytes(32).toString('base64') };
    writeFileSync(path, JSON.stringify(upgraded, null, 2), { mode: 0o600 });
    return upgraded;
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const fresh: DevSecrets = {
      jwtSecret: randomBytes(32).toString('base64url'),
      contextSigningSecret: randomBytes(32).toString('base64url'),
      mfaEncryptionKey: randomBytes(32).toString('base64'),
      postgresPassword: randomBytes(18).toString('base64url'),
      appDbPassword: randomBytes(18).toString('base64url'),
    };
    try {
      // 'wx' fails if another process created it first; then theirs wins.
      writeFileSync(path, JSON.stringify(fresh, null, 2), { flag: 'wx', mode: 0o600 });
      return fresh;
    } catch {
      return JSON.parse(readFileSync(path, 'utf8')) as DevSecrets;
    }
  }
}
