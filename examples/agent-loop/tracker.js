// A small in-memory issue tracker: the host's own functions, offered to a model's scripts as host
// tools (createRuntime({ tools })). They run here in the host with the host's authority; a script
// reaches them only as the methods its policy grants (`tracker.listIssues(...)`), each argument
// checked against the zod schema below before a handler runs, each call in the audit trail.
import { defineTool, ToolError } from 'sesame';
import { z } from 'zod';

/**
 * @typedef {{ id: number, title: string, status: 'open' | 'closed', labels: string[], assignee: string, body: string }} Issue
 * @typedef {{ issueId: number, body: string }} Comment
 */

/** @returns {Issue[]} */
export function seedIssues() {
  return [
    {
      id: 101,
      title: 'Login page times out on slow networks',
      status: 'open',
      labels: ['bug'],
      assignee: 'ada',
      body: 'Users on 3G see a blank page after 10 s.',
    },
    {
      id: 102,
      title: 'CSV export drops the header row',
      status: 'open',
      labels: ['bug'],
      assignee: 'grace',
      body: 'Only when the report has one column.',
    },
    {
      id: 103,
      title: 'Dark mode',
      status: 'open',
      labels: ['feature'],
      assignee: 'linus',
      body: 'Requested by many users.',
    },
    {
      id: 104,
      title: 'Crash when the cart is empty',
      status: 'closed',
      labels: ['bug'],
      assignee: 'ada',
      body: 'Fixed in 2.3.1.',
    },
    {
      id: 105,
      title: 'Password reset e-mail is sent twice',
      status: 'open',
      labels: ['bug', 'email'],
      assignee: 'margaret',
      body: 'The retry queue does not check for a sent flag.',
    },
  ];
}

const IssueId = z.number().int().positive().describe('an issue number, e.g. 101');

/**
 * The tracker's state and the host tools that work on it. A fresh tracker per agent (and per
 * test) keeps conversations apart.
 *
 * @param {Issue[]} [issues]
 */
export function createTracker(issues = seedIssues()) {
  /** @type {Comment[]} */
  const comments = [];
  /** @param {number} id */
  const find = (id) => {
    const issue = issues.find((candidate) => candidate.id === id);
    // A ToolError's code and message reach the script as they are; any other error would reach
    // it only as "tracker.getIssue failed".
    if (issue === undefined) throw new ToolError('E_NOT_FOUND', `no issue #${id}`);
    return issue;
  };

  const tools = {
    listIssues: defineTool({
      description:
        'List issues, optionally only those with a status and/or a label. Returns [{ id, title, status, labels, assignee }] (no bodies).',
      args: z
        .object({
          status: z.enum(['open', 'closed']).optional(),
          label: z.string().max(50).optional(),
        })
        .strict(),
      handler: ({ status, label }) =>
        issues
          .filter((issue) => status === undefined || issue.status === status)
          .filter((issue) => label === undefined || issue.labels.includes(label))
          .map(({ id, title, status, labels, assignee }) => ({ id, title, status, labels, assignee })),
    }),
    getIssue: defineTool({
      description:
        'One issue with its body and comments: { id, title, status, labels, assignee, body, comments: string[] }. Fails with E_NOT_FOUND for an unknown id.',
      args: z.object({ id: IssueId }).strict(),
      handler: ({ id }) => ({
        ...find(id),
        comments: comments.filter((c) => c.issueId === id).map((c) => c.body),
      }),
    }),
    addComment: defineTool({
      description:
        'Add a comment to an issue (people read it, so the host approves each one). Returns { issueId, count }: how many comments the issue has now.',
      args: z.object({ id: IssueId, body: z.string().min(1).max(2000) }).strict(),
      returns: z.object({ issueId: z.number(), count: z.number() }),
      handler: ({ id, body }) => {
        find(id);
        comments.push({ issueId: id, body });
        return { issueId: id, count: comments.filter((c) => c.issueId === id).length };
      },
    }),
  };
  return { issues, comments, tools };
}
