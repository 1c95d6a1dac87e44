import { PrismaClient } from "@prisma/client";

export async function context({ req }) {
  const prisma = new PrismaClient(); // leak: resource-per-request
  const user = req.session ? await prisma.user.findOne({ where: { id: req.session.userId } }) : null;
  return { req, user, db: prisma };
}
