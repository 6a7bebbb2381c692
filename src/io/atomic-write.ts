/**
 * Atomic file writes for Node and Deno: the bytes go to a temporary file in the target's
 * directory, are flushed to disk, and the temporary file is renamed over the target, so a reader
 * (or a crash mid-write) sees either the old file or the complete new one, never a torn one.
 * `node:fs/promises` is imported dynamically so browser bundles never load it.
 */

/**
 * Writes `bytes` to `path` atomically (temp file in the same directory + fsync + rename).
 * Node and Deno only; throws a clear error in environments without `node:fs`.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  let fs: typeof import('node:fs/promises');
  try {
    fs = await import('node:fs/promises');
  } catch {
    throw new Error('writeFileAtomic needs node:fs (Node or Deno); in a browser, offer the bytes as a download instead');
  }
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dir = slash >= 0 ? path.slice(0, slash + 1) : '';
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  const rand = Math.random().toString(36).slice(2, 10);
  const tmp = `${dir}.${base}.${Date.now().toString(36)}-${rand}.tmp`;
  const handle = await fs.open(tmp, 'wx');
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
