interface Session {
  id: string;
  user: string;
  createdAt: number;
}

const sessions: Map<string, Session> = new Map();

export function login(user: string): Session {
  const session = { id: crypto.randomUUID(), user, createdAt: Date.now() };
  sessions.set(session.id, session); // expect: module-collection-growth
  return session;
}

export function lookup(id: string): Session | undefined {
  return sessions.get(id);
}
