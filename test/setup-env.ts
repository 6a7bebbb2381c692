// Runs before every Node test file. Mesa's Vulkan drivers want XDG_RUNTIME_DIR; give them a
// private, writable one when it is missing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (!process.env.XDG_RUNTIME_DIR) {
  process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'storygrad-xdg-'));
}
