// The engines of the bench: sesame, then its peers in column order. A peer that cannot load is
// kept with the reason, and its column says "unavailable: <reason>" rather than ending the bench.

/** The peers, in column order: id, column label, and how to make one. */
export const PEERS = [
  {
    id: 'raw',
    label: 'raw SES floor',
    make: async (host) => (await import('../engines/raw-ses.js')).createRawSes({ host }),
  },
  {
    id: 'vm',
    label: 'node:vm',
    make: async (host) => (await import('../engines/node-vm.js')).createNodeVm({ host }),
  },
  {
    id: 'ivm',
    label: 'isolated-vm',
    make: async (host) => (await import('../engines/isolated-vm.js')).createIsolatedVm({ host }),
  },
  {
    id: 'qjs',
    label: 'quickjs-emscripten',
    make: async (host) => (await import('../engines/quickjs-emscripten.js')).createQuickJs({ host }),
  },
  {
    id: 'sw',
    label: '@sebastianwessel/quickjs',
    make: async (host) => (await import('../engines/sw-quickjs.js')).createSwQuickJs({ host }),
  },
];

export const SESAME = {
  id: 'sesame',
  label: 'sesame',
  make: async (host) => (await import('../engines/sesame.js')).createSesame({ host }),
};

/** Start one engine; on failure, a stand-in that carries the reason. */
export async function start(spec, host) {
  try {
    const engine = await spec.make(host);
    // A trivial run proves it works here.
    const res = await engine.run('return 1;');
    if (!res.ok || res.value !== 1) throw new Error(`a trivial run failed: ${res.error}`);
    return engine;
  } catch (error) {
    const reason = String(error?.message ?? error)
      .split('\n')[0]
      .slice(0, 100);
    return { id: spec.id, label: spec.label, unavailable: `unavailable: ${reason}` };
  }
}

export async function startAll(host) {
  const sesame = await start(SESAME, host);
  const peers = [];
  for (const spec of PEERS) peers.push(await start(spec, host));
  return { sesame, peers };
}
