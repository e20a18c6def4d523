// outbox: a script may queue e-mail for a person to review and send, and nothing more. The
// sandbox never touches the network: each message becomes one JSON file in a directory that the
// operator (or a delivery job with its own review step) watches, and only recipients the policy
// lists are accepted. A model that was talked into mailing data to an attacker finds that door
// closed, and the audit log names the rule that closed it.
//
// Written as a third-party plugin: plain JavaScript (no build step), importing only the SDK
// (`sesame/plugin`), its own modules and the Node builtins that package.json declares.
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { allow, definePlugin, deny, PluginError, z } from 'sesame/plugin';
import { RULE, ruleFor } from './recipients.js';

const KiB = 1024;
/** The most `maxBodyBytes` may be, and so the static bound on a body in the argument schema. */
const MAX_BODY_LIMIT = 1024 * KiB;

const Address = z.email().max(254).toLowerCase().describe('an e-mail address');

const Message = z
  .object({
    to: z.union([Address, z.array(Address).min(1).max(20)]).describe('one address, or up to 20'),
    // A line break in a subject would let a script forge headers (Bcc:) when the mail is sent.
    subject: z
      .string()
      .min(1)
      .max(200)
      .regex(/^\P{Cc}*$/u, 'a subject is one line without control characters'),
    body: z.string().max(MAX_BODY_LIMIT).describe('plain text'),
  })
  .strict()
  // The title names the parameter in `sesame describe`: send(message: { to, subject, body }).
  .meta({ title: 'message' });

const Config = z
  .object({
    dir: z
      .string()
      .min(1)
      .describe('The directory, relative to the policy file, where messages wait for review; it must exist.'),
    to: z
      .array(z.string().regex(RULE, 'expected an address or *@domain').toLowerCase())
      .min(1)
      .describe('Who may be written to: addresses ("ops@acme.example") or whole domains ("*@acme.example").'),
    maxMessages: z
      .number()
      .int()
      .positive()
      .max(1000)
      .default(10)
      .describe('The most messages one run may queue.'),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .max(MAX_BODY_LIMIT)
      .default(16 * KiB)
      .describe('The largest body, in UTF-8 bytes.'),
  })
  .strict();

/**
 * Write `text` as `<id>.json` in `dir` so that a reader never sees half a message: a temp file
 * (a dotfile, which the delivery side ignores) renamed into place. Flag 'wx' refuses anything
 * already at the temp path, a planted symlink included.
 *
 * @param {string} dir
 * @param {string} id
 * @param {string} text
 */
async function writeMessage(dir, id, text) {
  const tmp = path.join(dir, `.${id}.tmp`);
  let created = false;
  try {
    await writeFile(tmp, text, { flag: 'wx', mode: 0o600 });
    created = true;
    await rename(tmp, path.join(dir, `${id}.json`));
  } catch (error) {
    if (created) await unlink(tmp).catch(() => {});
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unknown error';
    // The script learns that it failed, not where the outbox is on the host.
    throw new PluginError('E_OUTBOX_IO', `the message could not be queued (${code})`);
  }
}

export default definePlugin({
  name: 'outbox',
  description:
    'Queues e-mail for a person to review and send: one JSON file per message in a directory the ' +
    'operator watches, only to the recipients the policy lists. Nothing leaves the machine from the sandbox.',
  config: Config,
  methods: {
    send: {
      description: 'Queue a message { to, subject, body } for review; returns its id.',
      args: z.tuple([Message]),
      returns: z.object({ id: z.string() }),
    },
    remaining: {
      description: 'How many more messages this run may queue.',
      args: z.tuple([]),
      returns: z.number(),
    },
  },

  // Facts the schema cannot know, reported with the policy's file, line and column.
  check(config, ctx) {
    const dir = ctx.resolvePath(config.dir);
    try {
      if (statSync(dir).isDirectory()) return [];
      return [{ path: ['dir'], message: `${dir} is not a directory` }];
    } catch {
      return [{ path: ['dir'], message: `${dir} does not exist` }];
    }
  },

  // What `sesame policy explain` says about a capability with this config.
  explain(config, ctx) {
    return [
      `may queue up to ${config.maxMessages} messages per run in ${ctx.resolvePath(config.dir)} for a person to review and send`,
      `only to ${config.to.join(', ')}`,
      `bodies up to ${config.maxBodyBytes} bytes; nothing is sent from the sandbox itself`,
    ];
  },

  // Called once per run: `queued` starts at zero for every run.
  create(config, ctx) {
    const dir = ctx.resolvePath(config.dir);
    let queued = 0;

    return {
      send: {
        // Decide, naming the rule that decided; never act here.
        authorize(message) {
          const recipients = [...new Set(typeof message.to === 'string' ? [message.to] : message.to)];
          /** @type {string[]} */
          const rules = [];
          for (const address of recipients) {
            const rule = ruleFor(config.to, address);
            if (rule === undefined) {
              return deny(`${address} is not an allowed recipient (to: ${config.to.join(', ')})`, 'to');
            }
            if (!rules.includes(rule)) rules.push(rule);
          }
          const bytes = Buffer.byteLength(message.body, 'utf8');
          if (bytes > config.maxBodyBytes) {
            return deny(
              `the body is ${bytes} bytes, over maxBodyBytes (${config.maxBodyBytes})`,
              'maxBodyBytes',
            );
          }
          if (queued >= config.maxMessages) {
            return deny(`this run has queued ${queued} messages already (maxMessages)`, 'maxMessages');
          }
          // The grant is what invoke acts on: the checked, de-duplicated recipients.
          return allow(`to: ${rules.join(', ')}`, recipients);
        },

        /** @param {string[]} recipients */
        async invoke(recipients, message) {
          // Two sends authorized at the same moment both saw room; the count is taken here,
          // before any await, so only one of them gets the last place.
          if (queued >= config.maxMessages) {
            throw new PluginError(
              'E_OUTBOX_FULL',
              `this run may queue at most ${config.maxMessages} messages`,
            );
          }
          queued++;
          const id = randomUUID();
          const record = { id, task: ctx.task, to: recipients, subject: message.subject, body: message.body };
          try {
            await writeMessage(dir, id, `${JSON.stringify(record, null, 2)}\n`);
          } catch (error) {
            queued--; // nothing was queued
            throw error;
          }
          ctx.log(`outbox: queued ${id} for ${recipients.join(', ')}`);
          return { id };
        },
      },

      // A plain function: allowed by holding the capability (the audit rule is "capability <name>").
      remaining: () => config.maxMessages - queued,
    };
  },
});
