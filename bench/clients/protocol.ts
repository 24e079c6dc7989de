/** What run.ts asks a load-generator child to do (argv[2], JSON) and what it prints back. */

export type ClientJob = Readonly<{
  /** raw: PUT to the fs baseline; tus: POST + one PATCH per upload; disk: no HTTP, write files locally. */
  mode: 'raw' | 'tus' | 'disk';
  /** raw: server origin; tus: creation endpoint (…/files); disk: unused. */
  url: string;
  /** Bearer token, for servers that want one. */
  token: string | undefined;
  /** Bytes per upload. */
  uploadBytes: number;
  /** Uploads run at the same time. */
  concurrency: number;
  /** One small untimed upload first, so the server's hot paths are compiled. */
  warmupBytes: number;
  /** disk mode only: where files go. */
  dir: string | undefined;
}>;

export type ClientResult = Readonly<{
  /** Bytes acknowledged by the server (or written, for disk), excluding warm-up. */
  bytes: number;
  /** Wall time from the first request of the timed part to the last response. */
  ms: number;
  uploads: number;
  /** Per upload: time to create + send + acknowledge. */
  uploadMs: number[];
  /** CPU seconds the client itself used in the timed part. */
  clientCpuSeconds: number;
  /** tus: the upload id of each timed upload; s3-direct: each object key (to check what landed). */
  ids?: string[];
}>;

/**
 * What the direct S3 client (s3-direct-client.ts) does: @aws-sdk/lib-storage
 * multipart uploads of the same bytes, with the server's part size and part
 * concurrency. Credentials come from its environment (S3_ACCESS_KEY_ID,
 * S3_SECRET_ACCESS_KEY), not from argv, which `ps` shows.
 */
export type S3DirectJob = Readonly<{
  endpoint: string;
  region: string;
  bucket: string;
  /** Object keys are `<keyPrefix><n>` (warm-up: `<keyPrefix>warmup`). */
  keyPrefix: string;
  uploadBytes: number;
  concurrency: number;
  warmupBytes: number;
  partSize: number;
  /** Parts in flight, per upload (lib-storage's queueSize) and across all uploads (a client middleware). */
  queueSize: number;
}>;

/** The 1 MiB block every body is made of. */
export const BLOCK_BYTES = 1024 * 1024;
export const TUS_FILETYPE = 'image/png';

/** What the presign load generator (presign-client.ts) does. S3 credentials come from its environment. */
export type PresignJob = Readonly<{
  /** route: GET /api/upload-url on our server; sdk: the AWS presigner called directly (the baseline). */
  mode: 'route' | 'sdk';
  /** route: the server's origin. */
  url: string;
  token: string;
  /** sdk: where the URLs point (same as the server's S3 settings). */
  s3: Readonly<{ endpoint: string; region: string; bucket: string }>;
  /** Calls in flight at once (clients, or presigner loops). */
  concurrency: number;
  warmupSeconds: number;
  seconds: number;
}>;

export type PresignResult = Readonly<{ warmupCount: number; count: number; seconds: number; latenciesMs: number[]; clientCpuSeconds: number }>;
