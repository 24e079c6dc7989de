import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The one schema for every setting of both processes. Environment variables are
 * the only input; `loadConfig` is called once by each composition root and its
 * frozen result is injected everywhere else (nothing else reads `process.env`).
 */

const DEV_JWT_SECRET = 'development-only-secret-change-me-0123456789';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number) => z.coerce.number().int().min(min);
const csv = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p.length > 0));

/** `type/subtype` or `type/*`, lower case. */
const mimePattern = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)$/;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0).max(65535).default(1080),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_CLOCK_TOLERANCE_SECONDS: int(0).max(300).default(5),

  STORAGE: z.enum(['file', 's3']).default('file'),
  DATA_DIR: z.string().min(1).default('./data'),
  UPLOAD_TMP_DIR: z.string().min(1).optional(),

  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name (3-63 of a-z 0-9 . -)').optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  S3_CHECKSUM_MODE: z.enum(['WHEN_REQUIRED', 'WHEN_SUPPORTED']).default('WHEN_REQUIRED'),
  S3_PART_SIZE: int(5 * 1024 ** 2).max(5 * 1024 ** 3).default(8 * 1024 ** 2),
  S3_UNIFORM_PARTS: bool.default(false),
  S3_MAX_PARTS: int(1).max(10_000).default(10_000),
  S3_MAX_CONCURRENT_PART_UPLOADS: int(1).default(8),
  S3_CREATE_BUCKETS: bool.optional(),
  S3_INCOMPLETE_UPLOAD_DAYS: int(1).default(7),
  // SigV4 presigned URLs live at most 7 days.
  PRESIGN_EXPIRES_SECONDS: int(1).max(7 * 24 * 3600).default(300),
  S3_PUBLIC_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),

  AMQP_URL: z.url({ protocol: /^amqps?$/ }).optional(),
  STORE_EVENTS_QUEUE: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be a queue name of A-Z a-z 0-9 . _ : -').optional(),
  STORE_EVENTS_PUSH_ENDPOINT: z.url({ protocol: /^amqps?$/ }).optional(),
  S3_PROCESSED_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name (3-63 of a-z 0-9 . -)').optional(),

  CLAMD_HOST: z.string().min(1).optional(),
  CLAMD_PORT: int(1).max(65535).optional(),
  CLAMD_SOCKET: z.string().min(1).optional(),
  CLAMD_TIMEOUT_MS: int(100).default(60_000),
  SCAN_DISABLED: bool.default(false),
  PROCESSOR_CONCURRENCY: int(1).max(64).default(2),
  PROCESSOR_TMP_DIR: z.string().min(1).optional(),
  PROCESSOR_HEALTH_PORT: int(0).max(65535).default(1081),
  IMAGE_WIDTHS: csv.pipe(z.array(z.string().regex(/^\d+$/, 'must be whole numbers').transform(Number).pipe(z.number().int().min(16).max(16384))).min(1)).default([320, 1280, 2560]),
  IMAGE_THUMBNAIL_SIZE: int(0).max(4096).default(256),
  IMAGE_FORMATS: csv.pipe(z.array(z.enum(['webp', 'avif', 'jpeg', 'png'])).min(1)).default(['webp', 'avif']),
  IMAGE_WEBP_QUALITY: int(1).max(100).default(80),
  IMAGE_AVIF_QUALITY: int(1).max(100).default(50),
  IMAGE_AVIF_EFFORT: int(0).max(9).default(4),
  IMAGE_MAX_PIXELS: int(1).default(100_000_000),
  IMAGE_TIMEOUT_SECONDS: int(1).default(120),
  SVG_RASTERIZE: bool.default(false),
  SVG_MAX_BYTES: int(1).default(2 * 1024 * 1024),

  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_KEY_PREFIX: z.string().default('ums:'),
  LOCK_LEASE_MS: int(1000).default(30_000),
  LOCK_RENEW_MS: int(100).default(10_000),
  LOCK_ACQUIRE_TIMEOUT_MS: int(100).default(15_000),
  METADATA_CACHE_TTL_SECONDS: int(1).default(24 * 3600),

  MAX_UPLOAD_SIZE: int(1).default(5 * 1024 ** 3),
  ALLOWED_TYPES: csv
    .pipe(z.array(z.string().toLowerCase().regex(mimePattern, 'must be MIME patterns like image/*,application/pdf')).min(1))
    .default(['image/*', 'video/*', 'audio/*', 'application/pdf']),
  UPLOAD_EXPIRATION_SECONDS: int(0).default(24 * 3600),
  EXPIRY_SWEEP_INTERVAL_SECONDS: int(0).default(3600),

  CDN_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  SIGNED_URL_EXPIRES_SECONDS: int(1).max(7 * 24 * 3600).default(300),

  CORS_ORIGINS: csv.pipe(z.array(z.url())).default([]),
  SHUTDOWN_TIMEOUT_MS: int(0).default(10_000),
  HTTP_IDLE_TIMEOUT_MS: int(1000).default(60_000),
  TUS_LOCK_DRAIN_TIMEOUT_MS: int(0).default(3000),
  DEMO_ENABLED: bool.optional(),
});

type Env = z.infer<typeof envSchema>;

export type Config = Readonly<{
  env: Env['NODE_ENV'];
  isProduction: boolean;
  http: Readonly<{ port: number; host: string; publicUrl: string | undefined; corsOrigins: readonly string[]; idleTimeoutMs: number }>;
  log: Readonly<{ level: Env['LOG_LEVEL'] }>;
  auth: Readonly<{ jwtSecret: string; usingDevSecret: boolean; clockToleranceSeconds: number }>;
  storage: Readonly<{ kind: Env['STORAGE']; dataDir: string; tmpDir: string | undefined }>;
  s3: S3Config | undefined;
  redis: Readonly<{ url: string; keyPrefix: string; metadataCacheTtlSeconds: number }> | undefined;
  amqp: Readonly<{ url: string }> | undefined;
  /** The store's ObjectCreated notifications, consumed from this queue (bound to TOPOLOGY.storeExchange). */
  storeEvents: Readonly<{ queue: string }> | undefined;
  processor: ProcessorConfig;
  locks: Readonly<{ leaseMs: number; renewEveryMs: number; acquireTimeoutMs: number }>;
  limits: Readonly<{ maxUploadSize: number; allowedTypes: readonly string[] }>;
  uploads: Readonly<{ expirationMs: number; sweepIntervalMs: number; lockDrainTimeoutMs: number }>;
  delivery: Readonly<{
    /** Public base of the processed files (`<base>/media/…`); unset: this server (file) or signed URLs (S3). */
    cdnBaseUrl: string | undefined;
    /** Lifetime of signed URLs for private files (originals; variants without a CDN in S3 mode). SigV4 allows 7 days. */
    signedUrlExpiresSeconds: number;
  }>;
  shutdownTimeoutMs: number;
  /** The client demo at /demo and its token endpoint, which signs a token for anyone who asks. */
  demoEnabled: boolean;
}>;

export type S3Config = Readonly<{
  endpoint: string | undefined;
  region: string;
  bucket: string;
  credentials: Readonly<{ accessKeyId: string; secretAccessKey: string }> | undefined;
  forcePathStyle: boolean;
  checksumMode: Env['S3_CHECKSUM_MODE'];
  partSize: number;
  uniformParts: boolean;
  maxParts: number;
  maxConcurrentPartUploads: number;
  createBuckets: boolean;
  incompleteUploadDays: number;
  /** Lifetime of presigned upload, POST-policy and part URLs. */
  presignExpiresSeconds: number;
  /** The endpoint browsers reach (S3_PUBLIC_ENDPOINT, else `endpoint`; undefined: AWS): presigned URLs name it. */
  publicEndpoint: string | undefined;
  /** Where the store pushes ObjectCreated notifications (RGW topics; `npm run provision`), as the store reaches the broker. */
  storeEventsPushEndpoint: string | undefined;
}>;

export type ProcessorConfig = Readonly<{
  processedBucket: string | undefined;
  /** Undefined: no scanner (embedded development only, or SCAN_DISABLED in production). */
  clamd: Readonly<{ host: string | undefined; port: number | undefined; socket: string | undefined; timeoutMs: number }> | undefined;
  concurrency: number;
  tmpDir: string | undefined;
  /** The standalone processor's /healthz, /readyz and /metrics (bound to HOST). */
  healthPort: number;
  images: Readonly<{
    widths: readonly number[];
    thumbnailSize: number;
    formats: readonly ('webp' | 'avif' | 'jpeg' | 'png')[];
    webpQuality: number;
    avifQuality: number;
    avifEffort: number;
    maxPixels: number;
    timeoutSeconds: number;
  }>;
  svg: Readonly<{ rasterize: boolean; maxBytes: number }>;
}>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Resolves `NAME_FILE` variants (Docker/Kubernetes secrets) into `NAME`. */
function withSecretFiles(env: NodeJS.ProcessEnv, problems: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === '') continue; // an empty variable means "unset", as in most twelve-factor tools
    const name = key.endsWith('_FILE') ? key.slice(0, -5) : undefined;
    if (name && name in envSchema.shape && !(key in envSchema.shape)) {
      if (env[name]) problems.push(`${name}: set either ${name} or ${key}, not both`);
      try {
        out[name] = readFileSync(value!, 'utf8').trim();
      } catch (err) {
        problems.push(`${key}: cannot read ${value}: ${(err as Error).message}`);
      }
      continue;
    }
    out[key] ??= value;
  }
  return out;
}

export function loadConfig(rawEnv: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(withSecretFiles(rawEnv, problems));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?');
      problems.push(`${name}: ${issue.message}${name in rawEnv ? ` (got ${JSON.stringify(mask(name, rawEnv[name]))})` : ''}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';

  if (isProduction && !e.AUTH_JWT_SECRET) problems.push('AUTH_JWT_SECRET: required in production (or AUTH_JWT_SECRET_FILE)');
  if (isProduction && e.AUTH_JWT_SECRET === DEV_JWT_SECRET) problems.push('AUTH_JWT_SECRET: the development default must not be used in production');
  if (e.CORS_ORIGINS.some((o) => new URL(o).origin !== o)) {
    problems.push('CORS_ORIGINS: each entry must be a bare origin like https://app.example.com (no path or trailing slash)');
  }
  if (e.STORAGE === 's3' && !e.S3_BUCKET) problems.push('S3_BUCKET: required when STORAGE=s3');
  if (!e.S3_ACCESS_KEY_ID !== !e.S3_SECRET_ACCESS_KEY) {
    problems.push('S3_ACCESS_KEY_ID: set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (default AWS credential chain)');
  }
  if (e.LOCK_RENEW_MS * 2 > e.LOCK_LEASE_MS) problems.push('LOCK_RENEW_MS: must be at most half of LOCK_LEASE_MS, so one missed renewal does not lose the lock');
  if (e.TUS_LOCK_DRAIN_TIMEOUT_MS >= e.LOCK_ACQUIRE_TIMEOUT_MS) {
    problems.push('TUS_LOCK_DRAIN_TIMEOUT_MS: must be shorter than LOCK_ACQUIRE_TIMEOUT_MS, or a waiting request gives up before the holder lets go');
  }
  const hasClamd = Boolean(e.CLAMD_SOCKET || e.CLAMD_HOST || e.CLAMD_PORT);
  if (isProduction && !hasClamd && !e.SCAN_DISABLED) {
    problems.push('CLAMD_HOST: production needs a virus scanner (CLAMD_HOST/CLAMD_PORT or CLAMD_SOCKET), or an explicit SCAN_DISABLED=true');
  }
  if (e.STORAGE === 's3' && !e.S3_PROCESSED_BUCKET) problems.push('S3_PROCESSED_BUCKET: required when STORAGE=s3 (processed variants go there)');
  if (e.STORE_EVENTS_QUEUE && (e.STORAGE !== 's3' || !e.AMQP_URL)) {
    problems.push('STORE_EVENTS_QUEUE: store notifications need STORAGE=s3 and AMQP_URL (the store publishes them to RabbitMQ)');
  }
  if (e.S3_PROCESSED_BUCKET && e.S3_PROCESSED_BUCKET === e.S3_BUCKET) problems.push('S3_PROCESSED_BUCKET: must differ from S3_BUCKET (originals stay private)');
  if (isProduction && e.DEMO_ENABLED) problems.push('DEMO_ENABLED: not in production (its token endpoint signs a token for anyone who asks)');
  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze({
    env: e.NODE_ENV,
    isProduction,
    http: {
      port: e.PORT,
      // Development binds to loopback because it runs with a well-known JWT secret.
      host: e.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
      corsOrigins: e.CORS_ORIGINS,
      idleTimeoutMs: e.HTTP_IDLE_TIMEOUT_MS,
    },
    log: { level: e.LOG_LEVEL },
    auth: {
      jwtSecret: e.AUTH_JWT_SECRET ?? DEV_JWT_SECRET,
      usingDevSecret: !e.AUTH_JWT_SECRET,
      clockToleranceSeconds: e.AUTH_CLOCK_TOLERANCE_SECONDS,
    },
    storage: { kind: e.STORAGE, dataDir: e.DATA_DIR, tmpDir: e.UPLOAD_TMP_DIR },
    s3: e.S3_BUCKET
      ? {
          endpoint: e.S3_ENDPOINT,
          region: e.S3_REGION,
          bucket: e.S3_BUCKET,
          credentials: e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } : undefined,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
          checksumMode: e.S3_CHECKSUM_MODE,
          partSize: e.S3_PART_SIZE,
          uniformParts: e.S3_UNIFORM_PARTS,
          maxParts: e.S3_MAX_PARTS,
          maxConcurrentPartUploads: e.S3_MAX_CONCURRENT_PART_UPLOADS,
          // Creating buckets is a development convenience; production provisions them explicitly.
          createBuckets: e.S3_CREATE_BUCKETS ?? !isProduction,
          incompleteUploadDays: e.S3_INCOMPLETE_UPLOAD_DAYS,
          presignExpiresSeconds: e.PRESIGN_EXPIRES_SECONDS,
          publicEndpoint: e.S3_PUBLIC_ENDPOINT ?? e.S3_ENDPOINT,
          storeEventsPushEndpoint: e.STORE_EVENTS_PUSH_ENDPOINT,
        }
      : undefined,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX, metadataCacheTtlSeconds: e.METADATA_CACHE_TTL_SECONDS } : undefined,
    amqp: e.AMQP_URL ? { url: e.AMQP_URL } : undefined,
    storeEvents: e.STORE_EVENTS_QUEUE ? { queue: e.STORE_EVENTS_QUEUE } : undefined,
    processor: {
      processedBucket: e.S3_PROCESSED_BUCKET,
      clamd: hasClamd && !e.SCAN_DISABLED ? { host: e.CLAMD_HOST, port: e.CLAMD_PORT, socket: e.CLAMD_SOCKET, timeoutMs: e.CLAMD_TIMEOUT_MS } : undefined,
      concurrency: e.PROCESSOR_CONCURRENCY,
      tmpDir: e.PROCESSOR_TMP_DIR,
      healthPort: e.PROCESSOR_HEALTH_PORT,
      images: {
        widths: [...new Set(e.IMAGE_WIDTHS)].sort((a, b) => a - b),
        thumbnailSize: e.IMAGE_THUMBNAIL_SIZE,
        formats: e.IMAGE_FORMATS,
        webpQuality: e.IMAGE_WEBP_QUALITY,
        avifQuality: e.IMAGE_AVIF_QUALITY,
        avifEffort: e.IMAGE_AVIF_EFFORT,
        maxPixels: e.IMAGE_MAX_PIXELS,
        timeoutSeconds: e.IMAGE_TIMEOUT_SECONDS,
      },
      svg: { rasterize: e.SVG_RASTERIZE, maxBytes: e.SVG_MAX_BYTES },
    },
    locks: { leaseMs: e.LOCK_LEASE_MS, renewEveryMs: e.LOCK_RENEW_MS, acquireTimeoutMs: e.LOCK_ACQUIRE_TIMEOUT_MS },
    limits: { maxUploadSize: e.MAX_UPLOAD_SIZE, allowedTypes: e.ALLOWED_TYPES },
    uploads: {
      expirationMs: e.UPLOAD_EXPIRATION_SECONDS * 1000,
      sweepIntervalMs: e.EXPIRY_SWEEP_INTERVAL_SECONDS * 1000,
      lockDrainTimeoutMs: e.TUS_LOCK_DRAIN_TIMEOUT_MS,
    },
    delivery: { cdnBaseUrl: e.CDN_BASE_URL?.replace(/\/+$/, ''), signedUrlExpiresSeconds: e.SIGNED_URL_EXPIRES_SECONDS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    // By default only with the public development secret: tokens anyone can forge anyway. A server
    // given a real secret but left without NODE_ENV=production must not hand out tokens.
    demoEnabled: e.DEMO_ENABLED ?? (!isProduction && !e.AUTH_JWT_SECRET),
  });
}

/** The names the schema knows, for docs and the `.env.example` consistency check. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

const SECRET_NAME = /SECRET|PASSWORD|KEY|TOKEN/;

function mask(name: string, value: string | undefined): string | undefined {
  return value !== undefined && SECRET_NAME.test(name) ? '***' : value;
}

/** The configuration as it may be logged: secrets replaced. */
export function redactedConfig(config: Config): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) => {
      if (typeof value !== 'string') return value;
      if (SECRET_NAME.test(key.toUpperCase())) return '***';
      return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@'); // credentials inside URLs
    }),
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
