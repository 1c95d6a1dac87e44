import { PrismaClient } from '@prisma/client';

export const resolvers = {
  Query: {
    async repo(_parent: unknown, { id }: { id: string }, { userId }: { userId: string }) {
      const prisma = new PrismaClient(); // leak: resource-per-request
      return prisma.repo.findFirst({ where: { id, OR: [{ userId }, { public: true }] }, include: { pods: true } });
    },
  },
};
