#!/usr/bin/env node
// Writes each ```ts / ```typescript block of a Markdown file to <outdir>/<prefix>-<n>.mts and prints the
// written paths, one per line, so a check can type-check them as a user would paste them. A block right
// after the line `<!-- not-a-program -->` (a fragment that only makes sense inside another block) is
// skipped; anything else must compile on its own.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [markdown, outdir] = process.argv.slice(2);
if (markdown === undefined || outdir === undefined) {
  console.error('usage: readme-blocks.mjs <file.md> <outdir>');
  process.exit(2);
}
const lines = readFileSync(markdown, 'utf8').split('\n');
const prefix = basename(markdown, '.md').toLowerCase();
mkdirSync(outdir, { recursive: true });
let n = 0;
for (let i = 0; i < lines.length; i++) {
  if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
  const skip = i > 0 && lines[i - 1].trim() === '<!-- not-a-program -->';
  const start = i + 1;
  do i++;
  while (i < lines.length && !/^```\s*$/.test(lines[i]));
  if (skip) continue;
  n++;
  const file = join(outdir, `${prefix}-${n}.mts`);
  // A leading comment points back at the block, so a type error names the README's line.
  writeFileSync(file, `// ${markdown}:${start + 1}\n${lines.slice(start, i).join('\n')}\n`);
  console.log(file);
}
if (n === 0) {
  console.error(`${markdown} has no TypeScript block`);
  process.exit(1);
}
