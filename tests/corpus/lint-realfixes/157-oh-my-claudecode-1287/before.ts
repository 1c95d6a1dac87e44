// Learner hook of a long-running agent/MCP server process: processMessageForSkills
// runs for every user message of every session the process serves.
import { contextCollector } from "../../features/context-injector/index.js";
import { findMatchingSkills } from "./loader.js";
import type { LearnedSkill } from "./types.js";

const MAX_SKILLS_PER_SESSION = 5;

/** Skills already injected, per session id. */
const sessionCaches = new Map<string, Set<string>>();

function formatSkillsForContext(skills: LearnedSkill[]): string {
  return ["<learner>", ...skills.map((s) => `### ${s.metadata.name}\n${s.content}`), "</learner>"].join("\n");
}

export function processMessageForSkills(
  message: string,
  sessionId: string,
  projectRoot: string | null,
): { injected: number } {
  if (!sessionCaches.has(sessionId)) {
    sessionCaches.set(sessionId, new Set()); // leak: unbounded-cache
  }
  const injectedHashes = sessionCaches.get(sessionId)!;

  const newSkills = findMatchingSkills(message, projectRoot, MAX_SKILLS_PER_SESSION)
    .filter((s) => !injectedHashes.has(s.contentHash));
  for (const skill of newSkills) {
    injectedHashes.add(skill.contentHash);
  }
  if (newSkills.length) {
    contextCollector.register(sessionId, { id: "learner", content: formatSkillsForContext(newSkills) });
  }
  return { injected: newSkills.length };
}

/** Exported, but nothing calls it when a session ends. */
export function clearSkillSession(sessionId: string): void {
  sessionCaches.delete(sessionId);
}
