// attack: smuggle non-data into a host tool's handler through its arguments: functions, a Proxy, getters, symbols, class instances, thenables, toJSON, __proto__ keys, objects whose getters change between reads, sparse and huge arrays, typed arrays
// source: CapTP/marshal "pass-by-copy" pitfalls; vm2 CVE-2023-37466 (host receives a guest Proxy); prototype pollution through JSON-ish copies (CVE-2019-10744 class)
// needs: tools
// category: escape
// expect: blocked - every call is refused (E_INVALID_ARGUMENT) or arrives as plain data; the host tool never sees a guest object
const ID = '162-host-tool-argument-smuggling';
const msg = (e) => { try { return String((e && e.code) || '') + ' ' + String((e && e.message) || e).slice(0, 100); } catch (_) { return 'unprintable'; } };
const tried = [];
const send = async (label, value) => {
  try { await tools.inspect({ id: ID, value }); tried.push(label + ': accepted'); }
  catch (e) { tried.push(label + ': ' + msg(e)); }
};
let reads = 0;
const flip = { get x() { reads++; return reads > 1 ? (() => 1) : 'plain'; } };
const proxy = new Proxy({ a: 1 }, { get: (t, k) => (k === 'then' ? undefined : () => 'trap'), ownKeys: () => ['a', 'b'], getOwnPropertyDescriptor: () => ({ value: () => 1, enumerable: true, configurable: true }) });
await send('function', () => 1);
await send('nested function', { a: [1, { f() {} }] });
await send('proxy', proxy);
await send('proxy in array', [proxy]);
await send('getter', flip);
await send('symbol', Symbol('s'));
await send('symbol key', { [Symbol('k')]: 1 });
await send('class instance', new (class Evil { constructor() { this.a = 1; } })());
await send('date', new Date(0));
await send('map', new Map([[1, 2]]));
await send('thenable', { then(r) { r(() => 1); } });
await send('toJSON', { toJSON() { return () => 1; } });
await send('__proto__ key', JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'));
await send('constructor.prototype', { constructor: { prototype: { polluted: true } } });
await send('bigint', 10n);
await send('typed array', new Uint8Array([1, 2, 3]));
await send('sparse', [1, , 3]);
await send('error', new Error('x'));
await send('regexp', /x/);
await send('null proto with getter', Object.create(null, { g: { get() { return () => 1; }, enumerable: true } }));
// The whole argument object as something odd, not just `value`.
for (const [label, arg] of [['args proxy', new Proxy({ id: ID, value: 1 }, {})], ['args getter', { id: ID, get value() { return () => 1; } }], ['args array', [ID]]]) {
  try { await tools.inspect(arg); tried.push(label + ': accepted'); } catch (e) { tried.push(label + ': ' + msg(e)); }
}
const polluted = ({}).polluted;
return { blocked: tried, polluted: polluted === undefined ? 'no' : 'yes' };
