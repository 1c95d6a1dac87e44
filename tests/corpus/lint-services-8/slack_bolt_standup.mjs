// Slack Bolt for JavaScript style (after bolt-js examples and standup bots built on it: one App
// with OAuth installationStore, app.use global middleware, app.command / app.action / app.view /
// app.event listeners registered at start-up, ack() first, client.views.open modals, a
// mongoose model per collection, await app.start()). ESM with semicolons.

import { EventEmitter } from 'node:events';

import bolt from '@slack/bolt';
import mongoose from 'mongoose';
import { LRUCache } from 'lru-cache';

import { Standup, Answer } from './models.js';
import { installationStore } from './installation-store.js';

const { App, LogLevel } = bolt;

const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  clientId: process.env.SLACK_CLIENT_ID,
  clientSecret: process.env.SLACK_CLIENT_SECRET,
  stateSecret: process.env.SLACK_STATE_SECRET,
  scopes: ['commands', 'chat:write', 'channels:history', 'users:read'],
  installationStore,
  logLevel: LogLevel.INFO,
});

await mongoose.connect(process.env.MONGO_URL); // ok: resource-per-request

const standupEvents = new EventEmitter();
standupEvents.setMaxListeners(0);
const sessions = new Map();
const schedules = {};
const answersLog = [];
const historyCache = new Map();
const tzCache = new LRUCache({ max: 10_000, ttl: 24 * 3600_000 });
let onStandupClosed = async () => {}; // ok: closure-capture

globalThis.__slackUserLastSeen ??= {}; // ok: global-growth

function teamDb(teamId) {
  return mongoose.createConnection(`${process.env.MONGO_URL}-${teamId}`); // leak: resource-per-request
}

class StandupSession {
  constructor(channel, members, client) {
    this.channel = channel;
    this.pending = new Set(members);
    this.client = client;
    standupEvents.on('answer', this.onAnswer.bind(this)); // leak: listener-leak
    this.timeout = setTimeout(() => this.end('timeout'), 2 * 3600_000); // ok: timer-leak
  }

  onAnswer({ channel, user }) {
    if (channel !== this.channel) return;
    this.pending.delete(user);
    if (this.pending.size === 0) this.end('complete');
  }

  end(reason) {
    clearTimeout(this.timeout);
    standupEvents.removeListener('answer', this.onAnswer.bind(this));
    sessions.delete(this.channel);
    standupEvents.emit('closed', this.channel);
    this.client.chat.postMessage({ channel: this.channel, text: `Standup closed (${reason})` }).catch(() => {});
  }
}

async function userTz(client, user) {
  let tz = tzCache.get(user);
  if (!tz) {
    const info = await client.users.info({ user });
    tz = info.user.tz;
    tzCache.set(user, tz); // ok: unbounded-cache
  }
  return tz;
}

app.use(async ({ body, next }) => {
  const user = body.user_id ?? body.user?.id ?? body.event?.user;
  if (user) globalThis.__slackUserLastSeen[user] = Date.now(); // leak: global-growth
  await next();
});

app.error(async (error) => { // ok: closure-capture
  console.error('bolt error', error.code, error.message);
});

app.command('/standup', async ({ command, ack, client, respond }) => { // ok: listener-leak
  await ack();
  const [sub, arg] = command.text.trim().split(/\s+/);

  if (sub === 'start') {
    const { members } = await client.conversations.members({ channel: command.channel_id });
    const session = new StandupSession(command.channel_id, members, client);
    sessions.set(command.channel_id, session); // ok: unbounded-collection
    const blocks = [];
    for (const question of ['Yesterday?', 'Today?', 'Blockers?']) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${question}*` } }); // ok: unbounded-collection
    }
    blocks.push({ type: 'actions', elements: [{ type: 'button', action_id: 'answer_open', text: { type: 'plain_text', text: 'Answer' } }] });
    await client.chat.postMessage({ channel: command.channel_id, blocks, text: 'Standup time!' });
    return;
  }

  if (sub === 'schedule') {
    const everyMinutes = Number(arg) || 1440;
    schedules[command.team_id] = setInterval(async () => { // leak: timer-leak
      await client.chat.postMessage({ channel: command.channel_id, text: 'Time for standup: /standup start' });
    }, everyMinutes * 60_000);
    await respond(`Scheduled every ${everyMinutes} minutes`);
    return;
  }

  if (sub === 'history') {
    const oldest = arg ?? String(Date.now() / 1000 - 7 * 86400);
    const key = `${command.channel_id}:${oldest}`;
    if (!historyCache.has(key)) {
      const res = await client.conversations.history({ channel: command.channel_id, oldest });
      historyCache.set(key, res.messages); // leak: unbounded-cache
    }
    await respond(`${historyCache.get(key).length} messages since ${oldest}`);
    return;
  }

  if (sub === 'export') {
    const db = teamDb(command.team_id);
    const rows = await db.model('Answer', Answer.schema).find({ channel: command.channel_id }).lean();
    await respond(`Exported ${rows.length} answers`);
    return;
  }

  await respond('Usage: /standup start | schedule <minutes> | history [oldest] | export');
});

app.action('answer_open', async ({ ack, body, client }) => { // ok: listener-leak
  await ack();
  await client.views.open({
    trigger_id: body.trigger_id,
    view: {
      type: 'modal',
      callback_id: 'answer_submit',
      private_metadata: body.channel.id,
      title: { type: 'plain_text', text: 'Standup' },
      submit: { type: 'plain_text', text: 'Send' },
      blocks: [{ type: 'input', block_id: 'today', element: { type: 'plain_text_input', action_id: 'v', multiline: true }, label: { type: 'plain_text', text: 'Today' } }],
    },
  });
});

app.view('answer_submit', async ({ ack, body, view, client }) => {
  await ack();
  const channel = view.private_metadata;
  const user = body.user.id;
  const text = view.state.values.today.v.value;
  const tz = await userTz(client, user);
  await Answer.create({ channel, user, text, tz });
  answersLog.push({ channel, user, at: Date.now() }); // leak: unbounded-collection
  standupEvents.emit('answer', { channel, user });

  const previous = onStandupClosed;
  onStandupClosed = async (closedChannel) => { // leak: closure-capture
    await previous(closedChannel);
    if (closedChannel === channel) await client.chat.postMessage({ channel: user, text: `Thanks, your answer was: ${text}` });
  };
});

app.event('app_home_opened', async ({ event, client }) => { // ok: listener-leak
  const recent = await Standup.find({ members: event.user }).sort({ createdAt: -1 }).limit(5).lean();
  await client.views.publish({
    user_id: event.user,
    view: { type: 'home', blocks: recent.map((s) => ({ type: 'section', text: { type: 'mrkdwn', text: s.channel } })) },
  });
});

standupEvents.on('closed', (channel) => onStandupClosed(channel)); // ok: listener-leak

process.once('SIGTERM', async () => { // ok: listener-leak
  for (const timer of Object.values(schedules)) clearInterval(timer);
  await app.stop();
  await mongoose.disconnect();
});

await app.start(Number(process.env.PORT) || 3000);
console.log('⚡️ Standup app is running');
