/**
 * Writing analysis results to disk atomically (temp file + rename, see io/atomic-write): strings
 * (an SVG, a markdown table) are written as UTF-8, anything else as JSON.
 */
import { writeFileAtomic } from '../io/atomic-write.js';

/** Writes `content` to `path` atomically: a string as is, any other value as JSON. Node and Deno. */
export async function saveAnalysis(path: string, content: unknown): Promise<void> {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  if (text === undefined) throw new Error(`storygrad: saveAnalysis: cannot write ${typeof content} to ${path} (not JSON-serializable)`);
  await writeFileAtomic(path, new TextEncoder().encode(text));
}
