// Moderation bot in the style of a discord.js v14 bot (a Client subclass holding Collections of
// commands and cooldowns, event modules with name/execute, slash commands with component
// collectors, @discordjs/voice connections). TypeScript, ESM, classes.
import {
  Client,
  Collection,
  Events,
  GatewayIntentBits,
  type ChatInputCommandInteraction,
  type GuildMember,
  type Message,
  ComponentType,
} from 'discord.js';
import { joinVoiceChannel, VoiceConnectionStatus, entersState } from '@discordjs/voice';
import { PrismaClient } from '@prisma/client';
import { Cron } from 'croner';

interface SlashCommand {
  name: string;
  execute(interaction: ChatInputCommandInteraction, bot: ModBot): Promise<void>;
}

export class ModBot extends Client {
  readonly commands = new Collection<string, SlashCommand>();
  readonly cooldowns = new Collection<string, number>();
  // warnings per member, loaded lazily and never trimmed
  readonly warnings = new Collection<string, string[]>();
  // message snapshots kept for the "what was deleted" command: only the last 200
  readonly deletedRing: Message[] = [];
  readonly prisma = new PrismaClient(); // ok: resource-per-request
  private sweepJob?: Cron;

  constructor() {
    super({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMembers] });
  }

  register(command: SlashCommand): void {
    this.commands.set(command.name, command); // ok: unbounded-collection
  }

  async start(token: string): Promise<void> {
    this.once(Events.ClientReady, (c) => console.log(`ready as ${c.user.tag}`)); // ok: listener-leak
    this.on(Events.InteractionCreate, (i) => void this.dispatch(i as ChatInputCommandInteraction)); // ok: listener-leak
    this.on(Events.MessageDelete, (m) => this.rememberDeleted(m as Message)); // ok: listener-leak
    this.on(Events.GuildMemberAdd, (member) => void this.greet(member)); // ok: listener-leak
    this.sweepJob = new Cron('*/10 * * * *', () => this.sweepCooldowns()); // ok: timer-leak
    await this.login(token);
  }

  async shutdown(): Promise<void> {
    this.sweepJob?.stop();
    await this.prisma.$disconnect();
    await this.destroy();
  }

  private rememberDeleted(message: Message): void {
    this.deletedRing.push(message); // ok: unbounded-collection
    if (this.deletedRing.length > 200) this.deletedRing.shift();
  }

  private sweepCooldowns(): void {
    const now = Date.now();
    for (const [key, until] of this.cooldowns) if (until < now) this.cooldowns.delete(key);
  }

  private async dispatch(interaction: ChatInputCommandInteraction): Promise<void> {
    if (!interaction.isChatInputCommand()) return;
    const command = this.commands.get(interaction.commandName);
    if (!command) return;
    const key = `${interaction.user.id}:${command.name}`;
    if ((this.cooldowns.get(key) ?? 0) > Date.now()) {
      await interaction.reply({ content: 'slow down', ephemeral: true });
      return;
    }
    this.cooldowns.set(key, Date.now() + 3000); // ok: unbounded-collection
    try {
      await command.execute(interaction, this);
    } catch (err) {
      console.error(err);
    }
  }

  private async greet(member: GuildMember): Promise<void> {
    const channel = member.guild.systemChannel;
    if (!channel) return;
    const msg = await channel.send(`welcome ${member}`);
    // wait for the member to react to the rules; the listener is only removed when they do
    const onReact = (reaction: any, user: any) => {
      if (user.id !== member.id || reaction.message.id !== msg.id) return;
      this.off(Events.MessageReactionAdd, onReact);
      void member.roles.add(process.env.MEMBER_ROLE!);
    };
    this.on(Events.MessageReactionAdd, onReact); // leak: listener-leak
  }
}

// ---- commands/warn.ts
export const warn: SlashCommand = {
  name: 'warn',
  async execute(interaction, bot) {
    const target = interaction.options.getUser('user', true);
    const reason = interaction.options.getString('reason') ?? 'no reason';
    const list = bot.warnings.get(target.id) ?? [];
    list.push(reason); // leak: unbounded-collection
    bot.warnings.set(target.id, list);
    await bot.prisma.warning.create({ data: { userId: target.id, reason } });
    await interaction.reply(`${target} warned (${list.length})`);
  },
};

// ---- commands/poll.ts: component collector ends by itself after 60s
export const poll: SlashCommand = {
  name: 'poll',
  async execute(interaction) {
    const reply = await interaction.reply({ content: interaction.options.getString('q', true), fetchReply: true });
    const votes = new Map<string, string>(); // ok: unbounded-collection
    const collector = reply.createMessageComponentCollector({ componentType: ComponentType.Button, time: 60_000 });
    collector.on('collect', (i) => { // ok: listener-leak
      votes.set(i.user.id, i.customId); // ok: unbounded-collection
      void i.deferUpdate();
    });
    collector.on('end', () => void interaction.editReply(`${votes.size} votes`)); // ok: listener-leak
  },
};

// ---- commands/slowmode.ts: a client-level listener per command use, never removed
export const slowmode: SlashCommand = {
  name: 'slowmode',
  async execute(interaction, bot) {
    const channelId = interaction.channelId;
    const seconds = interaction.options.getInteger('seconds', true);
    const lastByUser = new Map<string, number>();
    bot.on(Events.MessageCreate, (message) => { // leak: listener-leak
      if (message.channelId !== channelId || message.author.bot) return;
      const last = lastByUser.get(message.author.id) ?? 0;
      if (Date.now() - last < seconds * 1000) void message.delete();
      lastByUser.set(message.author.id, Date.now()); // ok: unbounded-collection
    });
    await interaction.reply(`slowmode ${seconds}s`);
  },
};

// ---- commands/remind.ts
const reminders = new Map<string, NodeJS.Timeout>();
export const remind: SlashCommand = {
  name: 'remind',
  async execute(interaction) {
    const minutes = interaction.options.getInteger('minutes', true);
    const id = interaction.id;
    const t = setTimeout(() => { // ok: timer-leak
      reminders.delete(id);
      void interaction.followUp(`<@${interaction.user.id}> reminder`);
    }, minutes * 60_000);
    reminders.set(id, t); // ok: unbounded-collection
    await interaction.reply('ok');
  },
};

// ---- commands/stats.ts: a live-updating stats message refreshed every 30s, forever
export const stats: SlashCommand = {
  name: 'stats',
  async execute(interaction, bot) {
    const reply = await interaction.reply({ content: '...', fetchReply: true });
    setInterval(() => { // leak: timer-leak
      void reply.edit(`guilds: ${bot.guilds.cache.size}, ping: ${bot.ws.ping}ms`);
    }, 30_000);
  },
};

// ---- commands/audit.ts: a per-command Prisma client
export const audit: SlashCommand = {
  name: 'audit',
  async execute(interaction) {
    const prisma = new PrismaClient(); // leak: resource-per-request
    const rows = await prisma.warning.findMany({ where: { userId: interaction.user.id }, take: 10 });
    await interaction.reply(rows.map((r: any) => r.reason).join('\n') || 'clean');
  },
};

// ---- commands/join.ts: voice connection destroyed when it drops
export const join: SlashCommand = {
  name: 'join',
  async execute(interaction) {
    const member = interaction.member as GuildMember;
    const connection = joinVoiceChannel({ // ok: resource-per-request
      channelId: member.voice.channelId!,
      guildId: interaction.guildId!,
      adapterCreator: interaction.guild!.voiceAdapterCreator,
    });
    connection.on(VoiceConnectionStatus.Disconnected, async () => { // ok: listener-leak
      try {
        await entersState(connection, VoiceConnectionStatus.Signalling, 5_000);
      } catch {
        connection.destroy();
      }
    });
    await interaction.reply('joined');
  },
};

// ---- global registry used by hot-reloading commands in dev
declare global { var __modbotLoaded: string[] | undefined; }
export function markLoaded(name: string): void {
  globalThis.__modbotLoaded ??= [];
  globalThis.__modbotLoaded.push(`${name}@${Date.now()}`); // leak: global-growth
}
