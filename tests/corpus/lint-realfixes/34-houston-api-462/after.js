import { prisma } from "./prismaclient";

export async function context({ req }) {
  const user = req.session ? await prisma.user.findOne({ where: { id: req.session.userId } }) : null;
  return { req, user, db: prisma };
}
