// The offline demo's conversation: what a model might answer, step by step, to DEMO_PROMPT. The
// first script guesses a file name wrong and gets the error back; the second does the whole task
// in one run (two host tools, the workspace, an approval that says no); the last step answers
// from that run's result. run.js replays it with scriptedModel when no real model is asked for.
import { RUN_SCRIPT } from './loop.js';
import { lastToolResult } from './models.js';

export const DEMO_PROMPT =
  'Which open bugs belong to people on call this week? Ask each of them on the issue to take a look, write a triage note to out/triage.md, and tell me what you did.';

const FIRST_TRY = `const oncall = JSON.parse(await fs.readFile('oncall.yaml', 'utf8'));
return oncall;`;

const WHOLE_TASK = `// Find the rota, then the open bugs; comment on those of people on call; write the note.
const files = await fs.readdir('.');
const rota = files.find((name) => name.startsWith('oncall'));
const oncall = JSON.parse(await fs.readFile(rota, 'utf8'));
const bugs = await tracker.listIssues({ status: 'open', label: 'bug' });
const mine = bugs.filter((bug) => oncall.people.includes(bug.assignee));
const commented = [];
const notCommented = [];
for (const bug of mine) {
  const issue = await tracker.getIssue({ id: bug.id });
  let body = '@' + bug.assignee + ', you are on call this week (' + oncall.week + '): please take a look.';
  if (issue.labels.includes('email')) body += ' Runbook: https://runbooks.example/email';
  try {
    await tracker.addComment({ id: bug.id, body });
    commented.push(bug.id);
  } catch (error) {
    notCommented.push({ id: bug.id, code: error.code });
  }
}
const lines = mine.map((bug) => '- #' + bug.id + ' ' + bug.title + ' (@' + bug.assignee + ')');
await fs.writeFile('out/triage.md', '# Triage ' + oncall.week + '\\n\\n' + lines.join('\\n') + '\\n');
console.log(bugs.length + ' open bugs, ' + mine.length + ' with people on call');
return {
  week: oncall.week,
  bugs: mine.map(({ id, title, assignee }) => ({ id, title, assignee })),
  commented,
  notCommented,
  note: 'out/triage.md',
};`;

/**
 * @typedef {{
 *   week: string,
 *   bugs: { id: number, title: string, assignee: string }[],
 *   commented: number[],
 *   notCommented: { id: number, code: string }[],
 *   note: string,
 * }} DemoResult what WHOLE_TASK returns
 */

/**
 * The answer a model would write from the run's result.
 *
 * @param {import('./loop.js').ModelRequest} request
 */
function answer(request) {
  const outcome = lastToolResult(request.messages);
  if (!outcome?.ok) return { text: 'I could not finish: the last script failed.' };
  const result = /** @type {DemoResult} */ (outcome.result);
  const bugs = result.bugs.map((bug) => `#${bug.id} "${bug.title}" (${bug.assignee})`).join(' and ');
  const skipped = result.notCommented.map((s) => `#${s.id} (${s.code}: the host did not approve it)`);
  return {
    text: [
      `${result.bugs.length} open bugs belong to people on call in ${result.week}: ${bugs}.`,
      `I commented on #${result.commented.join(', #')}${skipped.length > 0 ? `; not on ${skipped.join(', ')}` : ''}.`,
      `The triage note is in ${result.note}.`,
    ].join(' '),
  };
}

/** @type {import('./models.js').ScriptedStep[]} */
export const DEMO_STEPS = [
  { toolCall: { name: RUN_SCRIPT, args: { script: FIRST_TRY } } },
  { toolCall: { name: RUN_SCRIPT, args: { script: WHOLE_TASK } } },
  answer,
];
