// Writes policies/schema.json from the built-in plugins (`npm run schema`). Runs from src/policy
// (node strips the types) or from dist/src/policy after tsc, so the repository root is found by
// walking up to package.json rather than by a fixed number of `..`.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderPolicyJsonSchema } from './json-schema.ts';
import { standardPlugins } from './providers.ts';

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const target = path.join(
  packageRoot(path.dirname(fileURLToPath(import.meta.url))),
  'policies',
  'schema.json',
);
writeFileSync(target, renderPolicyJsonSchema(standardPlugins));
process.stdout.write(`wrote ${target}\n`);
