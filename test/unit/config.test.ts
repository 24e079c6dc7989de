import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ConfigError, loadConfig, redactedConfig } from '../../config/schema.ts';

const SECRET = 'x'.repeat(40);

test('defaults give the embedded development mode', (t) => {
  const c = loadConfig({});
  t.is(c.env, 'development');
  t.is(c.http.port, 1080);
  t.is(c.http.host, '127.0.0.1');
  t.is(c.storage.kind, 'file');
  t.is(c.storage.dataDir, './data');
  t.true(c.auth.usingDevSecret);
  t.deepEqual(c.limits.allowedTypes, ['image/*', 'video/*', 'audio/*', 'application/pdf']);
  t.true(Object.isFrozen(c) && Object.isFrozen(c.limits));
});

test('a bad value stops start-up with a message naming the variable', (t) => {
  const err = t.throws(() => loadConfig({ PORT: 'eighty', MAX_UPLOAD_SIZE: '-5', ALLOWED_TYPES: 'images' }), { instanceOf: ConfigError });
  t.regex(err.message, /PORT/);
  t.regex(err.message, /MAX_UPLOAD_SIZE/);
  t.regex(err.message, /ALLOWED_TYPES/);
  t.is(err.problems.length, 3);
});

test('production requires a real secret and binds all interfaces', (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), { message: /AUTH_JWT_SECRET: required in production/ });
  t.throws(() => loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'short' }), { message: /AUTH_JWT_SECRET.*32/ });
  const c = loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, CLAMD_HOST: 'clamav' });
  t.is(c.http.host, '0.0.0.0');
  t.false(c.auth.usingDevSecret);
});

test('production refuses to run without a virus scanner unless explicitly disabled', (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }), { message: /CLAMD_HOST: production needs a virus scanner/ });
  t.is(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, SCAN_DISABLED: 'true' }).processor.clamd, undefined);
  t.deepEqual(loadConfig({ CLAMD_SOCKET: '/run/clamd.sock' }).processor.clamd, { host: undefined, port: undefined, socket: '/run/clamd.sock', timeoutMs: 60_000 });
});

test('S3 storage needs a separate processed bucket', (t) => {
  t.throws(() => loadConfig({ STORAGE: 's3', S3_BUCKET: 'originals' }), { message: /S3_PROCESSED_BUCKET: required/ });
  t.throws(() => loadConfig({ STORAGE: 's3', S3_BUCKET: 'same', S3_PROCESSED_BUCKET: 'same' }), { message: /must differ/ });
  t.deepEqual(loadConfig({ IMAGE_WIDTHS: '1280, 320,320' }).processor.images.widths, [320, 1280]);
  t.throws(() => loadConfig({ IMAGE_WIDTHS: '320,wide' }), { message: /IMAGE_WIDTHS/ });
});

test('secrets are masked in error messages and in the logged config', (t) => {
  const err = t.throws(() => loadConfig({ AUTH_JWT_SECRET: 'too-short-secret' }));
  t.false(err.message.includes('too-short-secret'));
  t.false(JSON.stringify(redactedConfig(loadConfig({ AUTH_JWT_SECRET: SECRET }))).includes(SECRET));
});

test('_FILE variants read secrets from files', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ums-config-'));
  const file = path.join(dir, 'secret');
  await writeFile(file, `${SECRET}\n`);
  t.is(loadConfig({ AUTH_JWT_SECRET_FILE: file }).auth.jwtSecret, SECRET);
  t.throws(() => loadConfig({ AUTH_JWT_SECRET_FILE: path.join(dir, 'missing') }), { message: /AUTH_JWT_SECRET_FILE: cannot read/ });
  t.throws(() => loadConfig({ AUTH_JWT_SECRET_FILE: file, AUTH_JWT_SECRET: SECRET }), { message: /either AUTH_JWT_SECRET or AUTH_JWT_SECRET_FILE/ });
});

test('lists are parsed and validated', (t) => {
  const c = loadConfig({ ALLOWED_TYPES: ' image/png , Application/PDF ', CORS_ORIGINS: 'https://a.example,http://localhost:5173' });
  t.deepEqual(c.limits.allowedTypes, ['image/png', 'application/pdf']);
  t.deepEqual(c.http.corsOrigins, ['https://a.example', 'http://localhost:5173']);
  t.throws(() => loadConfig({ CORS_ORIGINS: 'https://a.example/path' }), { message: /CORS_ORIGINS/ });
});

test('an empty variable counts as unset', (t) => {
  t.is(loadConfig({ PORT: '' }).http.port, 1080);
});

test('the demo: on by default only with the public development secret, on request elsewhere, never in production', (t) => {
  t.true(loadConfig({}).demoEnabled);
  t.false(loadConfig({ AUTH_JWT_SECRET: SECRET }).demoEnabled, 'a real secret: its token endpoint would sign real tokens');
  t.true(loadConfig({ AUTH_JWT_SECRET: SECRET, DEMO_ENABLED: 'true' }).demoEnabled);
  t.false(loadConfig({ DEMO_ENABLED: 'false' }).demoEnabled);
  t.false(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, CLAMD_HOST: 'clamav' }).demoEnabled);
  t.throws(() => loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, CLAMD_HOST: 'clamav', DEMO_ENABLED: 'true' }), { message: /DEMO_ENABLED: not in production/ });
});

test('direct uploads: URL lifetime, public endpoint, store notifications need S3 and RabbitMQ', (t) => {
  const s3 = { STORAGE: 's3', S3_BUCKET: 'originals', S3_PROCESSED_BUCKET: 'processed' };
  const c = loadConfig({ ...s3, S3_PUBLIC_ENDPOINT: 'https://s3.example.com', AMQP_URL: 'amqp://u:p@mq:5672', STORE_EVENTS_QUEUE: 'media.store.server' });
  t.like(c.s3, { presignExpiresSeconds: 300, publicEndpoint: 'https://s3.example.com', storeEventsPushEndpoint: undefined });
  t.deepEqual(c.storeEvents, { queue: 'media.store.server' });
  t.throws(() => loadConfig({ ...s3, STORE_EVENTS_QUEUE: 'q' }), { message: /STORE_EVENTS_QUEUE: store notifications need STORAGE=s3 and AMQP_URL/ });
  t.throws(() => loadConfig({ AMQP_URL: 'amqp://mq', STORE_EVENTS_QUEUE: 'q' }), { message: /STORE_EVENTS_QUEUE/ });
  t.throws(() => loadConfig({ ...s3, PRESIGN_EXPIRES_SECONDS: String(7 * 24 * 3600 + 1) }), { message: /PRESIGN_EXPIRES_SECONDS/ });
  t.throws(() => loadConfig({ ...s3, S3_PUBLIC_ENDPOINT: 'ftp://s3' }), { message: /S3_PUBLIC_ENDPOINT/ });
  const logged = JSON.stringify(redactedConfig(loadConfig({ ...s3, STORE_EVENTS_PUSH_ENDPOINT: 'amqp://rgw:secret-pass@mq:5672/v' })));
  t.false(logged.includes('secret-pass'));
});
