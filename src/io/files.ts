/**
 * Small file-system helpers for loaders (Node and Deno). `node:fs/promises` is imported
 * dynamically so browser bundles never load it; errors name the path and what was expected.
 */

type Fs = typeof import('node:fs/promises');

/** `node:fs/promises`, or a clear error outside Node/Deno. */
export async function nodeFs(what: string): Promise<Fs> {
  try {
    return await import('node:fs/promises');
  } catch {
    throw new Error(`storygrad: ${what} needs file-system access (Node or Deno); in a browser, load from bytes instead`);
  }
}

/** What is at a path. */
export async function pathKind(path: string): Promise<'file' | 'dir' | 'missing'> {
  const fs = await nodeFs('reading files');
  try {
    const st = await fs.stat(path);
    return st.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** Reads a whole file; a missing file is an error naming `what` and the path. */
export async function readFileBytes(path: string, what = 'file'): Promise<Uint8Array> {
  const fs = await nodeFs(`reading the ${what}`);
  try {
    const buf = await fs.readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`storygrad: ${what} not found: ${path}`);
    if (code === 'EISDIR') throw new Error(`storygrad: ${what} ${path} is a directory, expected a file`);
    throw new Error(`storygrad: cannot read the ${what} ${path}: ${(e as Error).message}`);
  }
}

/** Joins a directory and a file name with '/'. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}/${name}`;
}

/** The directory part of a path ('.' when there is none). */
export function dirName(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return slash < 0 ? '.' : slash === 0 ? '/' : path.slice(0, slash);
}

/** The last part of a path. */
export function baseName(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(slash + 1);
}
