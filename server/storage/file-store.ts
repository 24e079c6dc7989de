import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { FileStore } from '@tus/file-store';
import { ERRORS, type Upload } from '@tus/utils';
import { originalKey, parseOriginalKey } from '../../config/keys.ts';

/**
 * `@tus/file-store` with per-user directories (`<root>/<user>/<upload>` plus a
 * `.json` info file beside it) and an expiry sweep that works with them.
 */
export class NamespacedFileStore extends FileStore {
  constructor(private readonly root: string, expirationMs: number) {
    super({ directory: root, expirationPeriodInMilliseconds: expirationMs });
    // No creation-defer-length: limits are enforced on the declared length at creation.
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  /**
   * A creation that fails half-way (a full disk) leaves an empty data file and
   * an empty info file, which nothing could resume or sweep: remove them.
   */
  override async create(file: Upload): Promise<Upload> {
    try {
      return await super.create(file);
    } catch (err) {
      const dataFile = path.join(this.root, file.id);
      await Promise.allSettled([rm(dataFile, { force: true }), rm(`${dataFile}.json`, { force: true })]);
      throw err;
    }
  }

  /**
   * The library's sweep lists only the top directory and trusts the offset saved
   * at creation (always 0), so it would miss namespaced uploads and delete
   * finished ones. This one reads the real offset from the file size. Expired
   * uploads already answer 410 to HEAD and PATCH, so no writer races the removal.
   */
  override async deleteExpired(now = new Date()): Promise<number> {
    const expiration = this.getExpiration();
    if (expiration <= 0) return 0;
    let removed = 0;
    for (const id of await this.listUploadIds()) {
      const upload = await this.getUpload(id).catch((err: unknown) => {
        if (err === ERRORS.FILE_NOT_FOUND || err === ERRORS.FILE_NO_LONGER_EXISTS) return undefined;
        throw err;
      });
      if (!upload?.creation_date || upload.offset === upload.size) continue;
      if (now.getTime() > new Date(upload.creation_date).getTime() + expiration) {
        await this.remove(id);
        removed += 1;
      }
    }
    return removed;
  }

  private async listUploadIds(): Promise<string[]> {
    const ids: string[] = [];
    const users = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    for (const user of users) {
      if (!user.isDirectory()) continue;
      for (const name of await readdir(path.join(this.root, user.name))) {
        const key = name.endsWith('.json') ? originalKey(user.name, name.slice(0, -5)) : undefined;
        if (key && parseOriginalKey(key)) ids.push(key);
      }
    }
    return ids;
  }
}
