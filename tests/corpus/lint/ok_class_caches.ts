// Look-alikes: caches with a bound, counters that are not caches, and memos of a fixed domain.
import { Injectable } from '@nestjs/common';

@Injectable()
export class TemplateService {
  private readonly compiled = new Map<string, (data: object) => string>();

  compile(source: string): (data: object) => string {
    let render = this.compiled.get(source);
    if (!render) {
      render = (data) => source + JSON.stringify(data);
      if (this.compiled.size > 200) this.compiled.clear();
      this.compiled.set(source, render);
    }
    return render;
  }
}

const attempts = new Map<string, number>();

export function recordFailure(userId: string): void {
  attempts.set(userId, (attempts.get(userId) ?? 0) + 1);
}

export function recordSuccess(userId: string): void {
  attempts.delete(userId);
}

const formatters = new Map<string, Intl.NumberFormat>();

export function formatterFor(locale: string): Intl.NumberFormat {
  let format = formatters.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale);
    formatters.set(locale, format);
  }
  return format;
}
