// The bench's one table, as markdown: scenario, sesame's median and p99, each peer's median and
// sesame's ratio to it, the target and whether sesame meets it; then where a peer wins, plainly.

const esc = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function fmtTime(ms) {
  if (ms < 0) return `−${fmtTime(-ms)}`;
  const us = ms * 1000;
  if (us < 10) return `${us.toFixed(2)} µs`;
  if (us < 1000) return `${us.toFixed(0)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
const fmtRate = (x) => `${Math.round(x).toLocaleString('en-US')}/s`;
function fmtBytes(b) {
  if (Math.abs(b) < 1024) return `${b.toFixed(0)} B`;
  if (Math.abs(b) < 1024 * 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${(b / 2 ** 20).toFixed(1)} MB`;
}
export function fmt(unit, x) {
  if (unit === 'rate') return fmtRate(x);
  if (unit === 'bytes') return fmtBytes(x);
  return fmtTime(x);
}

/** sesame ÷ peer, when both are positive numbers. */
export function ratio(a, b) {
  if (!(a > 0) || !(b > 0)) return undefined;
  return a / b;
}
const fmtRatio = (r) => (r === undefined ? '—' : `${r < 10 ? r.toFixed(2) : r.toFixed(0)}×`);

/** The p99 cell: sesame's p99 (for throughput rows, the p99 latency of a run). */
function p99Cell(row) {
  const s = row.sesame;
  if (s?.p99 === undefined) return '—';
  return row.unit === 'rate' ? fmtTime(s.p99) : fmt(row.unit, s.p99);
}

function metCell(row) {
  if (!row.target) return '—';
  if (row.sesame?.text) return 'not measured';
  const met = row.target.met(row);
  return met === undefined ? 'n/a' : met ? 'yes' : '**no**';
}

export function renderTable(rows, peers) {
  const head = ['scenario', 'sesame median', 'sesame p99'];
  for (const p of peers) head.push(p.label, '×');
  head.push('target', 'met?');
  const body = [];
  for (const row of rows) {
    const cells = [`${row.id} ${row.label}`];
    cells.push(row.sesame?.text ?? (row.sesame ? fmt(row.unit, row.sesame.median) : '—'), p99Cell(row));
    for (const p of peers) {
      const c = row.peers[p.id];
      if (!c) cells.push('—', '—');
      else if (c.text) cells.push(c.text, '—');
      else cells.push(fmt(row.unit, c.median), fmtRatio(ratio(row.sesame?.median, c.median)));
    }
    cells.push(row.target?.text ?? '—', metCell(row));
    body.push(cells.map(esc));
  }
  // Columns padded to one width (as the formatter writes markdown tables, so results.md is
  // already formatted and reads as a table in plain text too).
  const width = (text) => [...text].length;
  const widths = head.map((h, i) => Math.max(3, width(h), ...body.map((cells) => width(cells[i]))));
  const line = (cells) => `| ${cells.map((c, i) => c + ' '.repeat(widths[i] - width(c))).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Every row where a peer's median beats sesame's, in plain words. */
export function peerWins(rows, peers) {
  const out = [];
  for (const row of rows) {
    const s = row.sesame?.median;
    if (s === undefined) continue;
    for (const p of peers) {
      if (p.id === 'raw') continue; // the floor, not a peer: its column is the cost of SES alone
      const v = row.peers[p.id]?.median;
      if (v === undefined) continue;
      const wins = row.better === 'higher' ? v > s : v < s;
      if (!wins) continue;
      const caveat = p.id === 'vm' ? ' (node:vm is not a security boundary)' : '';
      if (!(v > 0) || !(s > 0)) {
        out.push(
          `- ${row.id} ${row.short ?? row.label}: ${p.label} ${fmt(row.unit, v)} (too small for this loop to tell from zero) vs sesame ${fmt(row.unit, s)}${caveat}`,
        );
        continue;
      }
      const factor = row.better === 'higher' ? v / s : s / v;
      out.push(
        `- ${row.id} ${row.short ?? row.label}: ${p.label} ${fmt(row.unit, v)} vs sesame ${fmt(row.unit, s)}, ${factor.toFixed(
          factor < 10 ? 1 : 0,
        )}× ${row.better === 'higher' ? 'more' : 'faster'}${caveat}`,
      );
    }
  }
  return out;
}

export function renderReport({ header, rows, peers, quick }) {
  const wins = peerWins(rows, peers);
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.id}: ${r.note}`);
  return [
    '# sesame beside its peers (`npm run bench`)',
    '',
    header,
    '',
    renderTable(rows, peers),
    '',
    '× is sesame ÷ peer (medians): below 1 sesame is faster, except for runs/s, where above 1 sesame does more.',
    quick ? '`--quick`: tiny counts, for tests only; these numbers mean nothing.' : '',
    '',
    '**Where a peer wins**',
    '',
    ...(wins.length ? wins : ['- nowhere']),
    '',
    ...(notes.length ? ['**Notes**', '', ...notes, ''] : []),
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n')
    .trimEnd();
}
