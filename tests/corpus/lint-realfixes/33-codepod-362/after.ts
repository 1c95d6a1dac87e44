import { PrismaClient } from '@prisma/client';

const prisma = new PrismaClient();

export const resolvers = {
  Query: {
    async repo(_parent: unknown, { id }: { id: string }, { userId }: { userId: string }) {
      return prisma.repo.findFirst({ where: { id, OR: [{ userId }, { public: true }] }, include: { pods: true } });
    },
  },
};
