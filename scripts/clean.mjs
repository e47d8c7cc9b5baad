// Empties dist/ before a build, so files of removed or renamed modules are never shipped.
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
