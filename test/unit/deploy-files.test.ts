/**
 * Static checks of the deployment files in docker/ (no network, no Docker engine):
 * the compose file against itself, .env.example and the config schema (both ways),
 * the Dockerfile (base, user, health check, lint), the nginx template, and the health
 * check commands run for real against local sockets. When Debian's docker-compose (v1)
 * is installed, it validates the compose file offline too; otherwise that test is skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import path from 'node:path';
import test from 'ava';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../config/schema.ts';
import { TOPOLOGY } from '../../config/events.ts';
import { manifestKey, newUploadId, variantKey } from '../../config/keys.ts';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

type Healthcheck = { test?: string[] | string; disable?: boolean };
type DependsOn = string[] | Record<string, { condition?: string }>;
type Service = {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: DependsOn;
  healthcheck?: Healthcheck;
  restart?: string;
  container_name?: string;
  ports?: unknown[];
};
type Compose = { name?: string; services: Record<string, Service>; volumes?: Record<string, unknown> };

const composeText = read('docker/docker-compose.yml');
const compose = parse(composeText, { merge: true }) as Compose;
const services = compose.services;
const dockerfile = read('docker/Dockerfile');
const nginxTemplate = read('docker/nginx/templates/default.conf.template');

/** NAME=value lines of an env file (comments and blank lines skipped). */
function parseEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1]!, m[2]!);
  }
  return vars;
}
const envExample = parseEnvFile(read('docker/.env.example'));

/** Names compose interpolates: ${NAME}, ${NAME:-default}, ${NAME?err}…, $NAME; `$$` is a literal `$`. */
function interpolated(text: string): Set<string> {
  const names = new Set<string>();
  const unescaped = text.replaceAll('$$', '');
  for (const m of unescaped.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)/g)) names.add((m[1] ?? m[2])!);
  return names;
}
const composeVars = interpolated(
  composeText
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n'),
);

const dependencies = (s: Service): [string, string | undefined][] =>
  Array.isArray(s.depends_on) ? s.depends_on.map((d) => [d, undefined]) : Object.entries(s.depends_on ?? {}).map(([d, o]) => [d, o?.condition]);

/** One-shot services: others wait for them to complete, not to be healthy. */
const oneShot = new Set(
  Object.values(services).flatMap((s) => dependencies(s).filter(([, c]) => c === 'service_completed_successfully').map(([d]) => d)),
);

function environmentOf(s: Service): Record<string, string> {
  if (Array.isArray(s.environment)) return Object.fromEntries(s.environment.map((e) => [e.split('=')[0]!, e.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));
}

function healthcheckArgv(s: Service): string[] {
  const t = s.healthcheck?.test;
  if (!Array.isArray(t) || t[0] !== 'CMD') throw new Error(`healthcheck is not an exec-form CMD: ${JSON.stringify(t)}`);
  return t.slice(1);
}

// ------------------------------------------------------------------ compose

test('the compose file has no top-level name (docker-compose v1 rejects it) and defines the stack', (t) => {
  t.is(compose.name, undefined);
  for (const s of ['server', 'processor', 'minio', 'redis', 'rabbitmq', 'clamav', 'nginx']) t.truthy(services[s], `service ${s}`);
});

test('every depends_on names a defined service, with a condition', (t) => {
  for (const [name, s] of Object.entries(services)) {
    for (const [dep, condition] of dependencies(s)) {
      t.truthy(services[dep], `${name} depends on undefined service ${dep}`);
      t.true(condition === 'service_healthy' || condition === 'service_completed_successfully', `${name} → ${dep}: condition ${condition}`);
      if (condition === 'service_healthy') t.truthy(services[dep]?.healthcheck, `${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
    }
  }
});

test('every long-running service has a healthcheck; one-shot services do not restart', (t) => {
  for (const [name, s] of Object.entries(services)) {
    if (oneShot.has(name)) {
      t.is(s.restart, 'no', `${name} is one-shot`);
      continue;
    }
    t.truthy(s.healthcheck?.test, `${name} has no healthcheck`);
    t.not(s.healthcheck?.disable, true, `${name} disables its healthcheck`);
  }
});

test('server and processor can be scaled: no container_name, no published ports, one image', (t) => {
  for (const name of ['server', 'processor']) {
    const s = services[name]!;
    t.is(s.container_name, undefined, name);
    t.is(s.ports, undefined, name);
    t.is(s.image, '${APP_IMAGE}', name);
  }
  t.deepEqual(services.server!.command, ['node', '--max-semi-space-size=2', '--import', 'tsx', 'server/main.ts']);
  t.deepEqual(services.processor!.command, ['node', '--import', 'tsx', 'processor/main.ts']);
});

test('every named volume used is declared', (t) => {
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  for (const [name, s] of Object.entries(services)) {
    for (const v of (s as { volumes?: string[] }).volumes ?? []) {
      const source = v.split(':')[0]!;
      if (!source.startsWith('.') && !source.startsWith('/')) t.true(declared.has(source), `${name}: volume ${source} is not declared`);
    }
  }
});

// ------------------------------------------------------------------ .env.example ⇄ schema ⇄ compose

test('every ${VAR} the compose file interpolates is defined in .env.example', (t) => {
  const missing = [...composeVars].filter((v) => !envExample.has(v));
  t.deepEqual(missing, []);
});

test('every setting of the config schema is in .env.example', (t) => {
  const missing = CONFIG_VARIABLES.filter((v) => !envExample.has(v));
  t.deepEqual(missing, []);
});

test('every name in .env.example is a config setting or used by the compose file', (t) => {
  const known = new Set(CONFIG_VARIABLES);
  const unused = [...envExample.keys()].filter((v) => !known.has(v) && !composeVars.has(v));
  t.deepEqual(unused, []);
});

test('server and processor receive every config setting, by name', (t) => {
  for (const name of ['server', 'processor']) {
    const env = environmentOf(services[name]!);
    const missing = CONFIG_VARIABLES.filter((v) => env[v] !== `\${${v}}`);
    t.deepEqual(missing, [], name);
  }
});

test('.env.example is a valid production configuration for the stack', (t) => {
  const config = loadConfig(Object.fromEntries(envExample));
  t.true(config.isProduction);
  t.is(config.storage.kind, 's3');
  t.truthy(config.redis, 'Redis (locks, outbox)');
  t.truthy(config.amqp, 'RabbitMQ');
  t.truthy(config.processor.clamd, 'clamd');
  t.false(config.auth.usingDevSecret);
  // The AMQP URL must carry RabbitMQ's own user and password.
  const amqp = new URL(envExample.get('AMQP_URL')!);
  t.is(decodeURIComponent(amqp.username), envExample.get('RABBITMQ_DEFAULT_USER') ?? '');
  t.is(decodeURIComponent(amqp.password), envExample.get('RABBITMQ_DEFAULT_PASS') ?? '');
  // Uploads larger than clamd's stream limit could never be scanned.
  const clamdLimit = environmentOf(services.clamav!).CLAMD_CONF_StreamMaxLength;
  t.regex(clamdLimit ?? '', /^\d+M$/);
  t.true(config.limits.maxUploadSize <= Number.parseInt(clamdLimit!, 10) * 1024 ** 2, 'MAX_UPLOAD_SIZE ≤ clamd StreamMaxLength');
});

// ------------------------------------------------------------------ Dockerfile

const instructions = dockerfile
  .replaceAll(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

test('Dockerfile: Node 24 base in every stage, a non-root USER, a HEALTHCHECK on /healthz', (t) => {
  const froms = instructions.filter((l) => /^FROM\s/i.test(l));
  t.true(froms.length >= 2, 'multi-stage');
  for (const f of froms) t.regex(f, /^FROM\s+node:24[-.\w]*\s/i);
  const users = instructions.filter((l) => /^USER\s/i.test(l));
  t.true(users.length > 0, 'USER');
  t.notRegex(users.at(-1)!, /^USER\s+(root|0)(:|\s|$)/i);
  const lastFrom = instructions.findLastIndex((l) => /^FROM\s/i.test(l));
  t.true(instructions.findIndex((l) => /^USER\s/i.test(l)) > lastFrom, 'USER in the final stage');
  const health = instructions.filter((l) => /^HEALTHCHECK\s/i.test(l));
  t.is(health.length, 1);
  t.regex(health[0]!, /\/healthz/);
  t.regex(dockerfile, /npm ci --omit=dev/);
});

test('Dockerfile and compose file use the same server health check', (t) => {
  const cmd = /^HEALTHCHECK\s.*?CMD\s+(\[.*\])$/i.exec(instructions.find((l) => /^HEALTHCHECK\s/i.test(l))!)?.[1];
  t.truthy(cmd);
  t.deepEqual(JSON.parse(cmd!), healthcheckArgv(services.server!));
});

test('the compose file starts the server as the image does (same Node flags as its CMD)', (t) => {
  const cmd = /^CMD\s+(\[.*\])$/i.exec(instructions.findLast((l) => /^CMD\s/i.test(l)) ?? '')?.[1];
  t.truthy(cmd);
  t.deepEqual(services.server!.command, JSON.parse(cmd!));
});

test('Dockerfile passes the dockerfile-utils linter', (t) => {
  const problems = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  t.deepEqual(problems, []);
});

test('.dockerignore is an allow-list that lets in what the Dockerfile copies', (t) => {
  const lines = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  t.is(lines[0], '*', 'everything excluded first (node_modules, .git, .env, data…)');
  const allowed = new Set(lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, '')));
  const copies = instructions.filter((l) => /^COPY\s/i.test(l) && !/--from=/i.test(l));
  for (const c of copies) {
    const sources = c.split(/\s+/).slice(1, -1).filter((a) => !a.startsWith('--'));
    for (const s of sources) t.true(allowed.has(s.replace(/\/$/, '')), `${s} is copied but excluded by .dockerignore`);
  }
});

// ------------------------------------------------------------------ nginx

test('nginx: the template only substitutes variables the nginx service defines', (t) => {
  const env = environmentOf(services.nginx!);
  const filter = new RegExp(env.NGINX_ENVSUBST_FILTER!.replace('$$', '$'));
  const braced = [...nginxTemplate.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
  t.true(braced.length > 0);
  for (const name of braced) {
    t.true(name in env, `${name} is not in the nginx service's environment`);
    t.regex(name, filter, `${name} is not let through NGINX_ENVSUBST_FILTER`);
  }
});

test('nginx: tus goes through unbuffered and unlimited; the edge serves variant keys and nothing else', (t) => {
  const files = /location \/files\/ \{([^}]*)\}/.exec(nginxTemplate)?.[1] ?? '';
  t.regex(files, /client_max_body_size 0;/);
  t.regex(files, /proxy_request_buffering off;/);
  for (const loc of ['location /api/', 'location = /healthz', 'location / {']) t.true(nginxTemplate.includes(loc), loc);
  t.false(/location[^{]*(readyz|metrics)/.test(nginxTemplate), '/readyz and /metrics stay internal');

  const pattern = /location ~ "(\^\/media\/[^"]+)"/.exec(nginxTemplate)?.[1];
  t.truthy(pattern, 'a regex location for media');
  const media = new RegExp(pattern!);
  const id = newUploadId();
  for (const [label, ext] of [['w320', 'webp'], ['thumb', 'avif'], ['original', 'pdf'], ['w1280', 'jpeg']] as const) {
    t.regex(`/${variantKey(id, 'ab'.repeat(32), label, ext)}`, media, 'every variant key is served');
  }
  for (const other of [`/${manifestKey(id)}`, '/media/', `/media/${id}/`, '/media/../uploads/x', '/uploads/u/x', '/.quarantine/u/x']) {
    t.notRegex(other, media, `${other} is not served`);
  }
  const block = nginxTemplate.slice(nginxTemplate.indexOf(`location ~ "${pattern}"`));
  t.regex(block, /add_header Cache-Control "public, max-age=31536000, immutable";/);
  t.regex(block, /proxy_cache media;/);
});

test('nginx: presigned uploads reach MinIO with the signed Host kept, for the originals bucket only, on S3_PUBLIC_ENDPOINT', (t) => {
  const block = nginxTemplate.slice(nginxTemplate.indexOf('listen 9000;'), nginxTemplate.indexOf('# The container'));
  t.regex(block, /location \/\$\{S3_BUCKET\}\/ \{[^}]*limit_except GET PUT POST OPTIONS \{ deny all; \}/);
  t.regex(block, /location = \/\$\{S3_BUCKET\} \{[^}]*limit_except POST OPTIONS \{ deny all; \}/);
  t.is(block.match(/proxy_set_header Host \$http_host;/g)?.length, 2);
  t.regex(block, /location \/ \{\s*return 404;/);
  t.true(environmentOf(services.nginx!).S3_BUCKET === '${S3_BUCKET}');
  t.true((services.nginx!.ports ?? []).includes('${S3_PUBLIC_PORT}:9000'));
  t.is(new URL(envExample.get('S3_PUBLIC_ENDPOINT')!).port, envExample.get('S3_PUBLIC_PORT') ?? '');
});

test("MinIO announces created objects to the app's store exchange, and the app consumes them", (t) => {
  const minio = environmentOf(services.minio!);
  t.is(minio.MINIO_NOTIFY_AMQP_ENABLE_UMS, 'on');
  t.is(minio.MINIO_NOTIFY_AMQP_URL_UMS, '${AMQP_URL}');
  t.is(minio.MINIO_NOTIFY_AMQP_EXCHANGE_UMS, TOPOLOGY.storeExchange);
  // Declared by MinIO and by the app: the declarations must agree (durable topic) or the broker refuses one.
  t.is(minio.MINIO_NOTIFY_AMQP_EXCHANGE_TYPE_UMS, 'topic');
  t.is(minio.MINIO_NOTIFY_AMQP_DURABLE_UMS, 'on');
  t.is(minio.MINIO_NOTIFY_AMQP_DELIVERY_MODE_UMS, '2');
  const init = [services['s3-init']!.command].flat().join('\n');
  t.regex(init, /mc event add --ignore-existing --event put "local\/\$\$S3_BUCKET" arn:minio:sqs::UMS:amqp/);
  t.truthy(envExample.get('STORE_EVENTS_QUEUE'), 'the stack consumes the notifications');
});

// ------------------------------------------------------------------ health check commands, run for real

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function run(argv: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv.slice(1), { env: { ...process.env, ...env }, stdio: 'ignore' });
    child.on('exit', (code) => resolve(code));
  });
}

for (const [service, portVariable] of [
  ['server', 'PORT'],
  ['processor', 'PROCESSOR_HEALTH_PORT'],
] as const) {
  test(`the ${service} health check passes on 200 from /healthz on ${portVariable} and fails otherwise`, async (t) => {
    const argv = healthcheckArgv(services[service]!);
    t.is(argv[0], 'node');
    let status = 200;
    const paths: string[] = [];
    const http = createHttpServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = status;
      res.end();
    });
    const port = await listen(http);
    const env = { [portVariable]: String(port) };
    try {
      t.is(await run(argv, env), 0);
      status = 503;
      t.is(await run(argv, env), 1);
      t.deepEqual(paths, ['/healthz', '/healthz']);
    } finally {
      http.close();
    }
    t.is(await run(argv, env), 1, 'nothing listening');
  });
}

// ------------------------------------------------------------------ docker-compose v1, when installed

const hasDockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

(hasDockerCompose ? test : test.skip)('docker-compose (v1) validates the compose file offline', (t) => {
  const r = spawnSync('docker-compose', ['-f', 'docker/docker-compose.yml', '--env-file', 'docker/.env.example', 'config', '-q'], {
    cwd: root,
    encoding: 'utf8',
  });
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr.trim(), '', 'no warnings (e.g. a variable not set)');
});
