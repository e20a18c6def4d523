// `npm run build` makes the built-in plugins' archives ahead of time (dist/plugin-archives/), so a
// sandbox loads them without Babel (./plugin-loader.ts). Each archive comes with what the loader
// needs to trust it: the manifest-derived package grants, and the sha256 of every file it was made
// from; a sandbox that finds a file changed makes the archive again rather than run a stale one.
import 'ses';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUILTIN_PLUGIN_FOLDERS } from '../../plugins/names.ts';
import { buildPluginArchive } from './plugin-archive.ts';
import { type ArchiveInfo, archiveCacheDir, packageRoot } from './plugin-loader.ts';

// Node calls its type stripper experimental; the build's output should be about the build.
process.removeAllListeners('warning');

const out = archiveCacheDir();
mkdirSync(out, { recursive: true });
for (const folder of BUILTIN_PLUGIN_FOLDERS) {
  const { bytes, ...info } = await buildPluginArchive(path.join(packageRoot(), 'plugins', folder));
  writeFileSync(path.join(out, `${folder}.zip`), bytes);
  writeFileSync(path.join(out, `${folder}.json`), `${JSON.stringify(info satisfies ArchiveInfo, null, 2)}\n`);
  process.stdout.write(
    `plugin ${info.manifest.name}: ${path.relative(process.cwd(), path.join(out, `${folder}.zip`))}\n`,
  );
}
