import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { registerCompletionHandler } from 'ava';
import { signToken } from '../../server/auth/tokens.ts';

export const TEST_SECRET = 'test-secret-0123456789-0123456789-abcdef';
const ROOT = path.resolve(import.meta.dirname, '../..');

export type LogLine = { level: number; msg: string; [key: string]: unknown };

export type TestServer = {
  url: string;
  dataDir: string;
  logs: LogLine[];
  child: ChildProcess;
  /** Resolves with the first log line matching, or rejects after `timeoutMs`. */
  waitForLog: (match: (line: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

/** Starts the real server (server/main.ts) as a child process on a free port. */
export async function startServer(env: Record<string, string> = {}, opts: { dataDir?: string } = {}): Promise<TestServer> {
  const started = await startNode('server/main.ts', 'server listening', env, opts);
  const { port } = started.readyLine.address as { port: number };
  return { ...started, url: `http://127.0.0.1:${port}` };
}

export type TestProcessor = Omit<TestServer, 'url'>;

// A setup that starts several processes at once and fails half-way (`[a, b] = await Promise.all(…)`)
// leaves the started ones unassigned, out of reach of the file's after hook; their pipes would keep
// the worker, and so the suite, waiting forever. Whatever still runs when the file is done is killed.
const running = new Set<ChildProcess>();
registerCompletionHandler(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts the standalone processor (processor/main.ts), consuming RabbitMQ. */
export async function startProcessor(env: Record<string, string>, opts: { dataDir?: string } = {}): Promise<TestProcessor> {
  const { readyLine: _, ...started } = await startNode('processor/main.ts', 'processor consuming', env, opts);
  return started;
}

async function startNode(
  script: string,
  readyMessage: string,
  env: Record<string, string>,
  opts: { dataDir?: string },
): Promise<TestProcessor & { readyLine: LogLine }> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'ums-test-')));
  const child = spawn(process.execPath, ['--import=tsx', path.join(ROOT, script)], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PORT: '0',
      AUTH_JWT_SECRET: TEST_SECRET,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      PROCESSOR_HEALTH_PORT: '0',
      // Most tests upload random bytes: allowed, and published as-is by the embedded processor.
      ALLOWED_TYPES: 'image/*,video/*,audio/*,application/pdf,application/octet-stream',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      logs.push({ level: 30, msg: line });
    }
    for (const w of waiters) w();
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(match);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`log line not seen in ${timeoutMs} ms; stderr: ${stderr}; last logs: ${JSON.stringify(logs.slice(-5))}`));
      }, timeoutMs);
      waiters.add(check);
      check();
      void exited.then(() => {
        if (waiters.has(check)) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`server exited; stderr: ${stderr}; last logs: ${JSON.stringify(logs.slice(-3))}`));
        }
      });
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const code = await exited;
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    return code;
  };
  const readyLine = await waitForLog((l) => l.msg === readyMessage).catch(async (err: unknown) => {
    await stop('SIGKILL');
    throw err;
  });
  return { readyLine, dataDir, logs, child, waitForLog, stop };
}

export const tokenFor = (userId: string, extra: { ttlSeconds?: number; maxSize?: number; allowedTypes?: string[] } = {}) =>
  signToken(TEST_SECRET, { userId, ttlSeconds: extra.ttlSeconds ?? 600, maxSize: extra.maxSize, allowedTypes: extra.allowedTypes });

/** tus headers for raw requests. */
export const tusHeaders = (token: string, extra: Record<string, string> = {}) => ({
  'Tus-Resumable': '1.0.0',
  Authorization: `Bearer ${token}`,
  ...extra,
});

export const b64 = (s: string) => Buffer.from(s).toString('base64');
