import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { announce, requiredEnv } from './announce.ts';

/** The library alone: @tus/server with @tus/file-store, as its README sets it up. */
const directory = requiredEnv('BENCH_DIR');
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const server = tus.listen(0, '127.0.0.1', () => announce(server));
