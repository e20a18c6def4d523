// attack: smuggle options through prototypes and magic keys: JSON.parse('{"__proto__":{"recursive":true}}') and Object.create({recursive,force}) as rm/mkdir options, own `__proto__`/`constructor`/`prototype` keys, null-prototype objects, Object.assign with __proto__, so that a non-recursive rm becomes recursive or a denied path is reinterpreted; targets: sub/, data.txt, config.json
// source: classic JSON __proto__ prototype pollution (e.g. CVE-2019-10744 lodash defaultsDeep, CVE-2020-8203 lodash zipObjectDeep); OWASP Prototype Pollution Prevention Cheat Sheet
// needs: fs
// category: capability
// expect: blocked (E_DENIED or schema errors) - options are copied as own data, unknown keys refused, nothing outside out/ changes
const ID = '125-json-proto-options-pollution';
const UP = '../'.repeat(16);
const msg = (e) => { try { return String((e && e.message) || e).slice(0, 160); } catch (_) { return 'unprintable'; } };
const shown = (v) => {
  if (typeof v === 'string') return v.slice(0, 200);
  if (v === undefined) return null;
  if (ArrayBuffer.isView(v)) return '<' + v.byteLength + ' bytes>';
  if (Array.isArray(v) && v.length > 40) v = v.slice(0, 40).concat(['... ' + (v.length - 40) + ' more']);
  try { return JSON.parse(JSON.stringify(v, (k, x) => (typeof x === 'string' ? x.slice(0, 200) : x))) ?? null; } catch (e) { return typeof v; }
};
const out = [];
const attempt = async (label, thunk) => {
  try { const v = await thunk(); if (out.length < 120) out.push({ label, ok: true, value: shown(v) }); return v; }
  catch (e) { if (out.length < 120) out.push({ label, ok: false, error: msg(e) }); return undefined; }
};
const exfil = (p) => 'http://127.0.0.1:' + input.exfilPort + '/' + ID + (p || '');
const allowed = (p) => 'http://127.0.0.1:' + input.allowedPort + '/allowed/' + (p || '');
const show = async (r) => ({ status: r.status, body: String(await r.text()).slice(0, 200) });
const viaJson = JSON.parse('{"__proto__": {"recursive": true, "force": true}}');
const ownProto = Object.defineProperty({}, '__proto__', { value: { recursive: true }, enumerable: true });
const inherited = Object.create({ recursive: true, force: true });
const nullProto = Object.assign(Object.create(null), { recursive: true });
const ctorKey = JSON.parse('{"constructor": {"prototype": {"recursive": true}}}');
const assigned = Object.assign({}, JSON.parse('{"__proto__": {"polluted": "yes"}}'));
out.push({ label: 'did Object.assign pollute Object.prototype', ok: ({}).polluted === undefined, value: String(({}).polluted) });
for (const [name, opts] of [['JSON __proto__', viaJson], ['own __proto__ key', ownProto], ['inherited', inherited], ['null prototype', nullProto], ['constructor.prototype key', ctorKey], ['assigned', assigned]]) {
  await attempt('rm sub with ' + name, () => fs.rm('sub', opts));
  await attempt('rm out/../sub with ' + name, () => fs.rm('out/../sub', opts));
  await attempt('rm data.txt with ' + name, () => fs.rm('data.txt', opts));
  await attempt('mkdir out/a/b with ' + name, () => fs.mkdir('out/a/b', opts));
  await attempt('writeFile config.json with ' + name, () => fs.writeFile('config.json', '{"pwned":true}', opts));
}
await attempt('rm out recursive with null-prototype options (allowed area)', () => fs.rm('out/a', nullProto));
return { blocked: out };
