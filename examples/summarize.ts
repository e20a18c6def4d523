// Reads the notes in the workspace through the confined `fs` capability, writes a summary
// into out/, and returns it. Run with policies/workspace.yaml.
interface Note {
  file: string;
  lines: number;
  title: string;
}
const names: string[] = await fs.readdir('notes');
const notes: Note[] = [];
for (const file of names.filter((n: string) => n.endsWith('.md'))) {
  const text: string = await fs.readFile(`notes/${file}`, 'utf8');
  notes.push({ file, lines: text.split('\n').length, title: text.split('\n')[0].replace(/^#\s*/, '') });
}
const summary = { at: new Date().toISOString(), count: notes.length, notes };
await fs.writeFile('out/summary.json', JSON.stringify(summary, null, 2));
return summary;
