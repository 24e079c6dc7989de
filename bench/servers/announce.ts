import type { Server } from 'node:http';

/** Prints the same readiness line as the real server, which bench/lib/process.ts waits for. */
export function announce(server: Server): void {
  process.stdout.write(`${JSON.stringify({ msg: 'server listening', address: server.address() })}\n`);
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}
