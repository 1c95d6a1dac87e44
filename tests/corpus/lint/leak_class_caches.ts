// Caches kept on long-lived objects and modules that nothing evicts from.
import { Injectable } from '@nestjs/common';

@Injectable()
export class TemplateService {
  private readonly compiled = new Map<string, (data: object) => string>();

  compile(source: string): (data: object) => string {
    let render = this.compiled.get(source);
    if (!render) {
      render = (data) => source + JSON.stringify(data);
      this.compiled.set(source, render); // expect: cache-without-eviction
    }
    return render;
  }
}

const profileByUserId = new Map<string, { name: string }>();

export function profileFor(userId: string): { name: string } {
  const known = profileByUserId.get(userId);
  if (known) return known;
  const profile = { name: userId.toUpperCase() };
  profileByUserId.set(userId, profile); // expect: cache-without-eviction
  return profile;
}

const byPath = new Map<string[], number>();

export function depth(path: string): number {
  const segments = path.split('.');
  if (byPath.has(segments)) return byPath.get(segments) as number;
  const value = segments.length;
  byPath.set(segments, value); // expect: cache-without-eviction
  return value;
}
