import type * as puppeteer from 'puppeteer';
import { FiltersEngine } from './engine';

export class BlockingContext {
  private readonly onRequest: (details: puppeteer.HTTPRequest) => void;

  constructor(private readonly page: puppeteer.Page, private readonly blocker: PuppeteerBlocker) {
    this.onRequest = (request) => blocker.onRequest(request);
  }

  public async enable(): Promise<void> {
    await this.page.setRequestInterception(true);
    this.page.on('request', this.onRequest);
  }

  public async disable(): Promise<void> {
    this.page.removeListener('request', this.onRequest);
    await this.page.setRequestInterception(false);
  }
}

export class PuppeteerBlocker extends FiltersEngine {
  private readonly contexts: WeakMap<puppeteer.Page, BlockingContext> = new WeakMap();

  // called for every page the browser opens; pages are usually closed without disabling
  public async enableBlockingInPage(page: puppeteer.Page): Promise<BlockingContext> {
    let context: undefined | BlockingContext = this.contexts.get(page);
    if (context !== undefined) {
      return context;
    }
    context = new BlockingContext(page, this);
    this.contexts.set(page, context);
    await context.enable();
    return context;
  }

  public async disableBlockingInPage(page: puppeteer.Page): Promise<void> {
    const context = this.contexts.get(page);
    if (context === undefined) {
      throw new Error('Trying to disable blocking which was not enabled');
    }
    this.contexts.delete(page);
    await context.disable();
  }

  public isBlockingEnabled(page: puppeteer.Page): boolean {
    return this.contexts.has(page);
  }

  public onRequest(request: puppeteer.HTTPRequest): void {
    if (this.match(request.url())) request.abort('blockedbyclient');
    else request.continue();
  }
}
