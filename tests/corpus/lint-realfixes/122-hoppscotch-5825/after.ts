// Helpers used by InfraConfigService: at start-up, and again by admin actions
// such as reset() and the onboarding checks, any number of times.
import { PrismaClient } from '@prisma/client';

class PrismaService extends PrismaClient {
  async onModuleDestroy() {
    await this.$disconnect();
  }
}

let sharedPrisma: PrismaService | null = null;

function getSharedPrisma(): PrismaService {
  if (!sharedPrisma) {
    sharedPrisma = new PrismaService();
  }
  return sharedPrisma;
}

export async function disconnectSharedPrisma(): Promise<void> {
  if (sharedPrisma) {
    await sharedPrisma.onModuleDestroy();
    sharedPrisma = null;
  }
}

export async function getDefaultInfraConfigs() {
  const prisma = getSharedPrisma();
  const onboarding = await prisma.infraConfig.findUnique({
    where: { name: 'ONBOARDING_COMPLETED' },
  });
  return [
    { name: 'ONBOARDING_COMPLETED', value: onboarding?.value ?? 'false' },
    { name: 'MAILER_SMTP_ENABLE', value: process.env.MAILER_SMTP_ENABLE ?? 'false' },
  ];
}

export async function getMissingInfraConfigEntries(defaults: { name: string }[]) {
  const prisma = getSharedPrisma();
  const rows = await prisma.infraConfig.findMany();
  return defaults.filter((d) => !rows.some((r) => r.name === d.name));
}

export class InfraConfigService {
  constructor(private readonly prisma: PrismaService) {}

  async onModuleDestroy() {
    await disconnectSharedPrisma();
  }

  async reset() {
    const defaults = await getDefaultInfraConfigs();
    await this.prisma.infraConfig.deleteMany({
      where: { name: { in: defaults.map((d) => d.name) } },
    });
    await this.prisma.infraConfig.createMany({ data: defaults });
  }

  async fillMissing() {
    const missing = await getMissingInfraConfigEntries(await getDefaultInfraConfigs());
    if (missing.length) await this.prisma.infraConfig.createMany({ data: missing });
  }
}
