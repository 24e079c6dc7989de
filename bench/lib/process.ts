import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { onCleanup } from './cleanup.ts';

/**
 * Child processes of the bench: servers (which announce their port with a JSON
 * log line `{"msg":"server listening","address":{"port":N}}`, like the real
 * server), workers (ready at a named JSON log message, like the processor) and
 * one-shot clients (which print one JSON result line and exit).
 */

export type Spawnable = Readonly<{
  name: string;
  /** Script run with `node [nodeArgs] --import=tsx`. */
  script: string;
  /** Node flags before the script (e.g. the server's heap settings). */
  nodeArgs?: readonly string[];
  cwd: string;
  env: Record<string, string>;
  args?: readonly string[];
  /** Every stdout line of a long-running child (e.g. to read its JSON logs). */
  onLine?: (line: string) => void;
}>;

export type ServerProcess = Readonly<{
  name: string;
  pid: number;
  port: number;
  stop: () => Promise<void>;
}>;

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const TAIL_LINES = 20;

function launch(spec: Spawnable): ChildProcess {
  return spawn(process.execPath, [...(spec.nodeArgs ?? []), '--import=tsx', spec.script, ...(spec.args ?? [])], {
    cwd: spec.cwd,
    env: { PATH: process.env.PATH ?? '', ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Keeps the last lines of a stream for error messages, and hands every line to `onLine`. */
function follow(stream: NodeJS.ReadableStream, onLine?: (line: string) => void): () => string {
  const tail: string[] = [];
  createInterface({ input: stream }).on('line', (line) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    onLine?.(line);
  });
  return () => tail.join('\n');
}

function logMessage(line: string): unknown {
  try {
    return (JSON.parse(line) as { msg?: unknown }).msg;
  } catch {
    return undefined;
  }
}

function listeningPort(line: string): number | undefined {
  try {
    const parsed = JSON.parse(line) as { msg?: unknown; address?: { port?: unknown } };
    const port = parsed.address?.port;
    return parsed.msg === 'server listening' && typeof port === 'number' ? port : undefined;
  } catch {
    return undefined;
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts a long-running child and resolves with the first value `ready` finds in
 * its stdout lines (a port, or `true` for a log message), or rejects if it exits
 * first or stays silent for READY_TIMEOUT_MS.
 */
async function startUntil<T>(spec: Spawnable, ready: (line: string) => T | undefined): Promise<{ pid: number; value: T; stop: () => Promise<void> }> {
  const child = launch(spec);
  const stop = onCleanup(() => terminate(child));
  const stderr = follow(child.stderr!);
  let resolveValue: (value: T) => void = () => {};
  const readyValue = new Promise<T>((resolve) => (resolveValue = resolve));
  let isReady = false;
  const stdout = follow(child.stdout!, (line) => {
    spec.onLine?.(line);
    if (isReady) return; // a busy server logs a line per request: parse only until ready
    const value = ready(line);
    if (value === undefined) return;
    isReady = true;
    resolveValue(value);
  });
  const failed = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`${spec.name}: not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    void readyValue.then(() => clearTimeout(timer));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${spec.name} exited (${code}) before it was ready\nstdout:\n${stdout()}\nstderr:\n${stderr()}`));
    });
  });
  failed.catch(() => {}); // observed through the race below; avoids an unhandled rejection later
  try {
    const value = await Promise.race([readyValue, failed]);
    return { pid: child.pid!, value, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts a server child and resolves once it has announced its port. */
export async function startServer(spec: Spawnable): Promise<ServerProcess> {
  const { pid, value: port, stop } = await startUntil(spec, listeningPort);
  return { name: spec.name, pid, port, stop };
}

/** Starts a worker child (no port) and resolves once it logs the JSON message `readyMessage`. */
export async function startWorker(spec: Spawnable, readyMessage: string): Promise<Omit<ServerProcess, 'port'>> {
  const { pid, stop } = await startUntil(spec, (line) => (logMessage(line) === readyMessage ? true : undefined));
  return { name: spec.name, pid, stop };
}

/** Runs a client child to completion and parses the JSON it prints last. */
export async function runClient<T>(spec: Spawnable, timeoutMs: number): Promise<T> {
  const child = launch(spec);
  const stop = onCleanup(() => terminate(child));
  const stdout = follow(child.stdout!);
  const stderr = follow(child.stderr!);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // 'close' (not 'exit') so that every stdout line has been read.
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  await stop();
  if (code !== 0) {
    const why = signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
    throw new Error(`${spec.name} ${why}\nstderr:\n${stderr()}`);
  }
  const last = stdout().split('\n').at(-1) ?? '';
  return JSON.parse(last) as T;
}
