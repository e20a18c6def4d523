// Tests for the outbox plugin, calling it the way sesame's membrane does: the arguments parsed by
// the method's schema, then authorize (which names a rule), then invoke with the grant, then the
// result checked by the result schema. Copy `call` into your own plugin's tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import outbox from '../index.js';

type Impl = ReturnType<typeof outbox.create>;
type Method = keyof typeof outbox.methods;
interface Refused {
  denied: true;
  reason: string;
  rule: string | undefined;
}

let policyDir: string;
let queue: string;
const logged: string[] = [];

function make(config: Record<string, unknown> = {}): Impl {
  const parsed = outbox.config.parse({
    dir: 'outbox',
    to: ['*@acme.example', 'partner@other.example'],
    ...config,
  });
  return outbox.create(parsed, {
    capability: 'mail',
    task: 'weekly-report',
    policyDir,
    resolvePath: (p) => path.resolve(policyDir, p),
    log: (message) => logged.push(message),
    // The outbox never asks for scratch space; a run's ctx would make one on first use.
    scratch: () => Promise.reject(new Error('no scratch directory in this test')),
    secrets: {},
  });
}

/** What the membrane does: parse, authorize, invoke, check the result. A denial is returned, not thrown. */
async function call(impl: Impl, name: Method, ...args: unknown[]): Promise<unknown> {
  const spec = outbox.methods[name];
  const parsed = spec.args.parse(args) as unknown[];
  const target = impl[name] as unknown;
  if (typeof target === 'function') return spec.returns.parse(await target(...parsed));
  const method = target as {
    authorize(...a: unknown[]): Promise<Decision> | Decision;
    invoke(grant: unknown, ...a: unknown[]): Promise<unknown>;
  };
  const decision = await method.authorize(...parsed);
  if (!decision.allow)
    return { denied: true, reason: decision.reason, rule: decision.rule } satisfies Refused;
  return { rule: decision.rule, result: spec.returns.parse(await method.invoke(decision.grant, ...parsed)) };
}
type Decision =
  | { allow: true; rule: string; grant: unknown }
  | { allow: false; rule?: string; reason: string };

const queued = () => fs.readdirSync(queue).sort();
const readMessage = (id: string) => JSON.parse(fs.readFileSync(path.join(queue, `${id}.json`), 'utf8'));
const message = (to: unknown, extra: Record<string, unknown> = {}) => ({
  to,
  subject: 'Weekly report',
  body: 'All green.',
  ...extra,
});

beforeEach(() => {
  policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-test-'));
  queue = path.join(policyDir, 'outbox');
  fs.mkdirSync(queue);
  logged.length = 0;
});

describe('outbox: sending', () => {
  it('queues one JSON file per message, naming the rule that allowed it', async () => {
    const mail = make();
    const sent = (await call(
      mail,
      'send',
      message(['Ops@Acme.example', 'partner@other.example', 'ops@acme.example']),
    )) as {
      rule: string;
      result: { id: string };
    };
    expect(sent.rule).toBe('to: *@acme.example, partner@other.example');
    expect(queued()).toEqual([`${sent.result.id}.json`]);
    expect(readMessage(sent.result.id)).toEqual({
      id: sent.result.id,
      task: 'weekly-report',
      to: ['ops@acme.example', 'partner@other.example'], // lower-cased, each once
      subject: 'Weekly report',
      body: 'All green.',
    });
    expect(fs.statSync(path.join(queue, `${sent.result.id}.json`)).mode & 0o777).toBe(0o600);
    expect(logged).toEqual([`outbox: queued ${sent.result.id} for ops@acme.example, partner@other.example`]);
  });

  it('denies recipients the policy does not list, with the rule "to"', async () => {
    const mail = make();
    for (const to of [
      'attacker@evil.example',
      'ops@sub.acme.example', // a domain rule covers that domain only
      'ops@evil-acme.example',
      'other@other.example', // an address rule covers that address only
      ['ops@acme.example', 'attacker@evil.example'], // one bad recipient refuses the message
    ]) {
      expect(await call(mail, 'send', message(to))).toMatchObject({ denied: true, rule: 'to' });
    }
    expect(queued()).toEqual([]);
  });

  it('refuses header injection and malformed input in the schema, before any decision', () => {
    const ok = (m: unknown) => outbox.methods.send.args.safeParse([m]).success;
    expect(ok(message('ops@acme.example'))).toBe(true);
    expect(ok(message('ops@acme.example\r\nBcc: attacker@evil.example'))).toBe(false);
    expect(ok(message('ops@acme.example', { subject: 'Hi\r\nBcc: attacker@evil.example' }))).toBe(false);
    expect(ok(message('ops@acme.example', { subject: '' }))).toBe(false);
    expect(ok(message([]))).toBe(false);
    expect(ok(message(Array.from({ length: 21 }, (_, i) => `u${i}@acme.example`)))).toBe(false);
    expect(ok({ ...message('ops@acme.example'), bcc: 'attacker@evil.example' })).toBe(false); // strict
  });

  it('denies a body over maxBodyBytes, counted in UTF-8 bytes', async () => {
    const mail = make({ maxBodyBytes: 4 });
    expect(await call(mail, 'send', message('ops@acme.example', { body: 'éé' }))).toMatchObject({
      rule: 'to: *@acme.example',
    });
    expect(await call(mail, 'send', message('ops@acme.example', { body: 'ééé' }))).toMatchObject({
      denied: true,
      rule: 'maxBodyBytes',
      reason: 'the body is 6 bytes, over maxBodyBytes (4)',
    });
  });
});

describe('outbox: per-run quota', () => {
  it('denies past maxMessages, and counts down in remaining()', async () => {
    const mail = make({ maxMessages: 2 });
    expect(await call(mail, 'remaining')).toBe(2);
    await call(mail, 'send', message('ops@acme.example'));
    expect(await call(mail, 'remaining')).toBe(1);
    await call(mail, 'send', message('ops@acme.example'));
    expect(await call(mail, 'remaining')).toBe(0);
    expect(await call(mail, 'send', message('ops@acme.example'))).toMatchObject({
      denied: true,
      rule: 'maxMessages',
    });
    expect(queued()).toHaveLength(2);
    // create() runs once per run: the next run starts with a fresh count.
    expect(await call(make({ maxMessages: 2 }), 'remaining')).toBe(2);
  });

  it('lets only one of two sends authorized at once take the last place', async () => {
    const mail = make({ maxMessages: 1 });
    const send = mail.send as {
      authorize(m: unknown): Decision;
      invoke(grant: unknown, m: unknown): Promise<unknown>;
    };
    const m = outbox.methods.send.args.parse([message('ops@acme.example')])[0];
    const first = send.authorize(m);
    const second = send.authorize(m);
    if (!first.allow || !second.allow) throw new Error('both should be allowed before either acts');
    const results = await Promise.allSettled([send.invoke(first.grant, m), send.invoke(second.grant, m)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'E_OUTBOX_FULL' });
    expect(queued()).toHaveLength(1);
  });
});

describe('outbox: failures', () => {
  it('reports a write failure without the host path, leaves no temp file and gives the place back', async () => {
    const mail = make({ maxMessages: 1 });
    fs.rmSync(queue, { recursive: true });
    const failure = await call(mail, 'send', message('ops@acme.example')).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      code: 'E_OUTBOX_IO',
      message: 'the message could not be queued (ENOENT)',
    });
    expect(String((failure as Error).message)).not.toContain(policyDir);
    expect(await call(mail, 'remaining')).toBe(1);
    fs.mkdirSync(queue);
    await call(mail, 'send', message('ops@acme.example'));
    expect(queued().filter((name) => name.startsWith('.'))).toEqual([]);
  });
});

describe('outbox: config, check and explain', () => {
  const ctx = () => ({ policyDir, resolvePath: (p: string) => path.resolve(policyDir, p) });
  const config = (extra: Record<string, unknown>) =>
    outbox.config.parse({ dir: 'outbox', to: ['*@acme.example'], ...extra });

  it('validates recipient rules and refuses unknown keys', () => {
    const ok = (c: Record<string, unknown>) => outbox.config.safeParse({ dir: 'outbox', ...c }).success;
    expect(ok({ to: ['*@acme.example', 'Ops@Acme.Example'] })).toBe(true);
    expect(config({ to: ['Ops@Acme.Example'] }).to).toEqual(['ops@acme.example']);
    for (const bad of [[], ['*'], ['*@*'], ['ops@'], ['a@b'], ['*.acme.example'], ['a b@acme.example']]) {
      expect(ok({ to: bad })).toBe(false);
    }
    expect(ok({ to: ['*@acme.example'], cc: [] })).toBe(false);
    for (const [key, field] of Object.entries(outbox.config.shape))
      expect(field.description, key).toBeTruthy();
  });

  it('checks that the directory exists', () => {
    expect(outbox.check?.(config({}), ctx())).toEqual([]);
    expect(outbox.check?.(config({ dir: 'missing' }), ctx())).toEqual([
      { path: ['dir'], message: `${path.join(policyDir, 'missing')} does not exist` },
    ]);
  });

  it('explains in plain words', () => {
    expect(outbox.explain?.(config({ maxMessages: 3 }), ctx())).toEqual([
      `may queue up to 3 messages per run in ${queue} for a person to review and send`,
      'only to *@acme.example',
      'bodies up to 16384 bytes; nothing is sent from the sandbox itself',
    ]);
  });
});

describe('outbox: the package', () => {
  const root = path.resolve(import.meta.dirname, '..');
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const sources = fs.readdirSync(root).filter((name) => name.endsWith('.js'));
  const imports = sources.flatMap((name) =>
    [...fs.readFileSync(path.join(root, name), 'utf8').matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map(
      (m) => m[1] as string,
    ),
  );

  it('imports only the SDK, its own files and the builtins it declares, and declares only what it uses', () => {
    const builtins = imports.filter((s) => s.startsWith('node:'));
    const local = imports.filter((s) => s.startsWith('./'));
    expect(imports.filter((s) => !s.startsWith('node:') && !s.startsWith('./'))).toEqual(['sesame/plugin']);
    expect([...new Set(builtins)].sort()).toEqual(manifest.sesame.builtins);
    for (const file of local) expect(sources).toContain(file.slice(2));
    expect(manifest.files).toEqual(expect.arrayContaining(sources));
  });

  it('names itself in package.json and in the plugin', () => {
    expect(manifest).toMatchObject({ name: 'sesame-plugin-outbox', type: 'module', main: './index.js' });
    expect(outbox.name).toBe('outbox');
  });
});
