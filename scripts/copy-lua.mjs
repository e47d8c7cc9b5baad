// Copies the Lua scripts next to the compiled JavaScript (tsc does not copy non-TS files).
import { cpSync, mkdirSync, readdirSync } from 'node:fs';

mkdirSync('dist/scripts', { recursive: true });
for (const file of readdirSync('src/scripts')) {
  if (file.endsWith('.lua')) cpSync(`src/scripts/${file}`, `dist/scripts/${file}`);
}
