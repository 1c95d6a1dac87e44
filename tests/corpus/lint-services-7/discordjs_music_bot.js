// discord.js v14 bot in the shape of the guide's command handler: a Client with intents,
// commands loaded from ./commands into client.commands (a Collection) at start-up, events
// wired with client.on / client.once, interaction collectors on replies, voice connections
// from @discordjs/voice per guild.
const fs = require('node:fs');
const path = require('node:path');
const { Client, Collection, Events, GatewayIntentBits, ComponentType } = require('discord.js');
const { joinVoiceChannel, createAudioPlayer, AudioPlayerStatus, VoiceConnectionStatus } = require('@discordjs/voice');
const { Pool } = require('pg');
const { token, databaseUrl } = require('./config.json');

const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessages] });
client.commands = new Collection();
client.cooldowns = new Collection();
const pool = new Pool({ connectionString: databaseUrl, max: 5 }); // ok: resource-per-request

// start-up: load every command file once
const commandsPath = path.join(__dirname, 'commands');
for (const file of fs.readdirSync(commandsPath).filter((f) => f.endsWith('.js'))) {
  const command = require(path.join(commandsPath, file));
  if ('data' in command && 'execute' in command) {
    client.commands.set(command.data.name, command); // ok: unbounded-collection
  }
}

// one queue per guild the bot is in
const queues = new Map();
global.nowPlaying = global.nowPlaying || {};
global.searchHistory = global.searchHistory || [];

function getQueue(guildId) {
  let q = queues.get(guildId);
  if (!q) {
    q = { tracks: [], player: createAudioPlayer(), connection: null };
    queues.set(guildId, q); // ok: unbounded-collection
  }
  return q;
}

function connect(channel, q) {
  if (q.connection) return q.connection;
  q.connection = joinVoiceChannel({ channelId: channel.id, guildId: channel.guild.id, adapterCreator: channel.guild.voiceAdapterCreator });
  q.connection.subscribe(q.player);
  q.connection.on(VoiceConnectionStatus.Disconnected, () => { // ok: listener-leak
    q.connection.destroy();
    q.connection = null;
  });
  return q.connection;
}

async function play(interaction) {
  const query = interaction.options.getString('query', true);
  const q = getQueue(interaction.guildId);
  connect(interaction.member.voice.channel, q);
  q.tracks.push({ query, by: interaction.user.id }); // ok: unbounded-collection
  global.searchHistory.push({ query, user: interaction.user.tag, at: Date.now() }); // leak: global-growth
  q.player.on(AudioPlayerStatus.Idle, () => { // leak: listener-leak
    q.tracks.shift();
    if (q.tracks.length) interaction.followUp(`Next: ${q.tracks[0].query}`);
  });
  global.nowPlaying[interaction.guildId] = query; // ok: global-growth
  await interaction.reply(`Queued **${query}**`);
}

async function skip(interaction) {
  const q = queues.get(interaction.guildId);
  if (!q) return interaction.reply({ content: 'Nothing playing', ephemeral: true });
  q.player.stop();
  return interaction.reply('Skipped');
}

async function poll(interaction) {
  const message = await interaction.reply({ content: interaction.options.getString('question'), components: [], fetchReply: true });
  const collector = message.createMessageComponentCollector({ componentType: ComponentType.Button, time: 60000 }); // ok: listener-leak
  const votes = new Map();
  collector.on('collect', (i) => { // ok: listener-leak
    votes.set(i.user.id, i.customId); // ok: unbounded-collection
    i.deferUpdate();
  });
  collector.on('end', () => { // ok: listener-leak
    interaction.followUp(`Poll closed with ${votes.size} votes`);
  });
}

async function remind(interaction) {
  const minutes = interaction.options.getInteger('minutes');
  const text = interaction.options.getString('text');
  const handle = setTimeout(() => { // ok: timer-leak
    interaction.user.send(`Reminder: ${text}`).catch(() => {});
  }, minutes * 60000);
  handle.unref();
  await interaction.reply({ content: `I will remind you in ${minutes} minutes`, ephemeral: true });
}

async function stats(interaction) {
  const db = await pool.connect(); // ok: resource-per-request
  try {
    const { rows } = await db.query('SELECT count(*) FROM plays WHERE guild_id = $1', [interaction.guildId]);
    await interaction.reply(`Plays in this server: ${rows[0].count}`);
  } finally {
    db.release();
  }
}

async function history(interaction) {
  const db = await pool.connect(); // leak: resource-per-request
  const { rows } = await db.query('SELECT query FROM plays WHERE user_id = $1 LIMIT 10', [interaction.user.id]);
  if (!rows.length) return interaction.reply('No history');
  db.release();
  return interaction.reply(rows.map((r) => r.query).join('\n'));
}

async function watchStatus(interaction) {
  const channel = interaction.channel;
  const update = setInterval(() => { // leak: timer-leak
    const q = queues.get(interaction.guildId);
    channel.send(`Now playing: ${q && q.tracks[0] ? q.tracks[0].query : 'nothing'}`).catch(() => {});
  }, 30000);
  interaction.client.once(Events.GuildDelete, (guild) => { // ok: listener-leak
    if (guild.id === interaction.guildId) clearInterval(update);
  });
  await interaction.reply('Status updates on');
}

const handlers = { play, skip, poll, remind, stats, history, watch: watchStatus };

client.once(Events.ClientReady, (c) => { // ok: listener-leak
  console.log(`Ready! Logged in as ${c.user.tag}`);
});

client.on(Events.InteractionCreate, async (interaction) => { // ok: listener-leak
  if (!interaction.isChatInputCommand()) return;
  const { cooldowns } = interaction.client;
  const name = interaction.commandName;
  if (!cooldowns.has(name)) cooldowns.set(name, new Collection()); // ok: unbounded-collection
  const stamps = cooldowns.get(name);
  const now = Date.now();
  if (stamps.has(interaction.user.id) && now < stamps.get(interaction.user.id) + 3000) {
    return interaction.reply({ content: 'Slow down', ephemeral: true });
  }
  stamps.set(interaction.user.id, now); // ok: unbounded-collection
  setTimeout(() => stamps.delete(interaction.user.id), 3000); // ok: timer-leak

  const handler = handlers[name] || client.commands.get(name)?.execute;
  if (!handler) return;
  try {
    await handler(interaction);
  } catch (err) {
    console.error(err);
    const payload = { content: 'There was an error while executing this command!', ephemeral: true };
    if (interaction.replied || interaction.deferred) await interaction.followUp(payload);
    else await interaction.reply(payload);
  }
});

client.on(Events.MessageCreate, (message) => { // ok: listener-leak
  if (message.author.bot) return;
  if (message.content === '!ping') {
    // every !ping adds a fresh reaction listener to the long-lived client
    client.on(Events.MessageReactionAdd, (reaction) => { // leak: listener-leak
      if (reaction.message.id === message.id) message.reply('pong!');
    });
  }
});

client.on(Events.GuildDelete, (guild) => { // ok: listener-leak
  const q = queues.get(guild.id);
  if (q && q.connection) q.connection.destroy();
  queues.delete(guild.id);
  delete global.nowPlaying[guild.id];
});

client.login(token);
