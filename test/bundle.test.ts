// The built package runs bundled (src/bundle-build.ts): the sandbox from dist/src/sandbox/
// entry.bundle.js, the CLI and the package's exports from dist/src/host/. What bundling must keep:
// lockdown() first in the sandbox, and one copy of every class between the CLI and 'sesame'.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'acorn';
import { describe, expect, it } from 'vitest';
import { sesame } from './helpers/cli.ts';
import { policyText, repoRoot, tempDir, writePolicy } from './helpers/runtime.ts';

const sandboxDir = path.join(repoRoot, 'dist', 'src', 'sandbox');

/** The modules `file` imports or re-exports statically (Node's own excepted): evaluated before it. */
function staticImports(file: string): string[] {
  const program = parse(fs.readFileSync(file, 'utf8'), { ecmaVersion: 'latest', sourceType: 'module' });
  const sources: string[] = [];
  for (const node of program.body) {
    if (
      (node.type === 'ImportDeclaration' ||
        node.type === 'ExportAllDeclaration' ||
        node.type === 'ExportNamedDeclaration') &&
      node.source
    ) {
      sources.push(String(node.source.value));
    }
  }
  return sources.filter((source) => !source.startsWith('node:'));
}

describe('the built sandbox', () => {
  it('evaluates SES and lockdown() before any other module', () => {
    expect(staticImports(path.join(sandboxDir, 'lockdown.bundle.js'))).toEqual([]);
    expect(staticImports(path.join(sandboxDir, 'entry.bundle.js'))).toEqual(['./lockdown.bundle.js']);
    // Everything else comes in by import() after it: a zod or sesame module imported statically
    // here would run first.
    const entry = fs.readFileSync(path.join(sandboxDir, 'entry.bundle.js'), 'utf8');
    expect(entry).toMatch(/import\("\.\/entry\.bundle-serve-[A-Z0-9]+\.js"\)/);
  });

  it('is what the CLI runs, and it locks down', () => {
    const dir = tempDir();
    const script = path.join(dir, 'probe.js');
    fs.writeFileSync(
      script,
      'return [Object.isFrozen(Array.prototype), Object.isFrozen(globalThis.Object), typeof harden];',
    );
    const res = sesame(['run', script, '--policy', writePolicy(dir, policyText()), '--json']);
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: true, result: [true, true, 'function'] });
  });
});

describe('the built package', () => {
  it("shares its classes with the CLI: a --tools module's ToolError keeps its code", () => {
    const dir = tempDir();
    const script = path.join(dir, 'find.js');
    fs.writeFileSync(
      script,
      'try { await host.find({ id: 7 }); } catch (error) { return { code: error.code, message: error.message }; }',
    );
    const policy = writePolicy(
      dir,
      policyText({ capabilities: { host: '{ plugin: tools, allow: [find] }' } }),
    );
    const tools = path.join(repoRoot, 'test', 'fixtures', 'tools', 'package-tools.mjs');
    const res = sesame(['run', script, '--policy', policy, '--tools', tools, '--json']);
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toMatchObject({
      ok: true,
      result: { code: 'E_NOT_FOUND', message: 'host.find: no item 7' },
    });
  });

  it("'sesame' and 'sesame/plugin' resolve to the bundle and run a script", () => {
    const code = [
      "import { createRuntime } from 'sesame';",
      "import { definePlugin } from 'sesame/plugin';",
      'const runtime = createRuntime({ size: 1 });',
      "const policy = 'version: 1\\ntask: t\\nlimits: { timeoutMs: 2000, memoryMb: 64 }\\ncapabilities:\\n  clock: { plugin: clock }\\n';",
      "const result = await runtime.run({ policy, script: 'return typeof (await clock.now())' });",
      'await runtime.close();',
      "console.log(JSON.stringify({ result, definePlugin: typeof definePlugin, url: import.meta.resolve('sesame') }));",
    ].join('\n');
    // Run from inside the package, where 'sesame' names the package itself.
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.stderr).toBe('');
    const out = JSON.parse(res.stdout);
    expect(out.result).toMatchObject({ ok: true, result: 'number' });
    expect(out.definePlugin).toBe('function');
    expect(out.url).toMatch(/\/dist\/src\/host\/index\.js$/);
  });
});
