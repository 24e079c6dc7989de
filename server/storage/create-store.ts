import path from 'node:path';
import type { DataStore } from '@tus/utils';
import type { Config } from '../../config/schema.ts';
import { NamespacedFileStore } from './file-store.ts';

export type Storage = { store: DataStore; /** Where originals live, for logs and readiness. */ location: string };

/** The originals store selected by `STORAGE`. */
export function createStorage(config: Config): Storage {
  const dir = path.resolve(config.storage.dataDir, 'uploads');
  return { store: new NamespacedFileStore(dir, config.uploads.expirationMs), location: dir };
}
