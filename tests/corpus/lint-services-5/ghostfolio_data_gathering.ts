import { DataProviderService } from '@ghostfolio/api/services/data-provider/data-provider.service';
import { IDataGatheringItem } from '@ghostfolio/api/services/interfaces/interfaces';
import { MarketDataService } from '@ghostfolio/api/services/market-data/market-data.service';
import { RedisCacheService } from '@ghostfolio/api/app/redis-cache/redis-cache.service';
import { PropertyService } from '@ghostfolio/api/services/property/property.service';
import {
  DATA_GATHERING_QUEUE,
  GATHER_ASSET_PROFILE_PROCESS,
  GATHER_HISTORICAL_MARKET_DATA_PROCESS_JOB_NAME,
  PORTFOLIO_SNAPSHOT_COMPUTATION_QUEUE,
  PROPERTY_DATA_SOURCES_GHOSTFOLIO_DATA_PROVIDER_MAX_REQUESTS
} from '@ghostfolio/common/config';
import { DATE_FORMAT, getStartOfUtcDate } from '@ghostfolio/common/helper';
import { AssetProfileIdentifier } from '@ghostfolio/common/interfaces';

import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { DataSource, Prisma } from '@prisma/client';
import Bull, { Job, Queue } from 'bull';
import { addDays, format, isBefore, parseISO } from 'date-fns';
import got from 'got';

// After Ghostfolio's apps/api: services/queues/data-gathering/data-gathering.processor.ts and
// data-gathering.service.ts, services/data-provider/coingecko, and the cron service. NestJS
// singletons; @Process handlers run once per Bull job.

@Injectable()
export class DataGatheringService implements OnModuleInit, OnModuleDestroy {
  private readonly quotesBySymbol = new Map<string, { marketPrice: number; at: Date }>();
  private readonly failedSymbols: AssetProfileIdentifier[] = [];
  private heartbeat: NodeJS.Timeout;

  public constructor(
    @InjectQueue(DATA_GATHERING_QUEUE)
    private readonly dataGatheringQueue: Queue,
    private readonly dataProviderService: DataProviderService,
    private readonly propertyService: PropertyService,
    private readonly redisCacheService: RedisCacheService
  ) {}

  public onModuleInit() {
    this.dataGatheringQueue.on('failed', (job, error) => { // ok: listener-leak
      Logger.warn(`Job ${job.id} failed: ${error.message}`, 'DataGatheringService');
    });
    this.heartbeat = setInterval(async () => { // ok: timer-leak
      const counts = await this.dataGatheringQueue.getJobCounts();
      Logger.debug(`Queue: ${JSON.stringify(counts)}`, 'DataGatheringService');
    }, 60_000);
  }

  public onModuleDestroy() {
    clearInterval(this.heartbeat);
  }

  public async gatherAssetProfiles(aAssetProfileIdentifiers: AssetProfileIdentifier[]) {
    const assetProfiles = await this.dataProviderService.getAssetProfiles(aAssetProfileIdentifiers);
    for (const [symbol, assetProfile] of Object.entries(assetProfiles)) {
      await this.redisCacheService.set( // ok: unbounded-cache
        this.redisCacheService.getAssetProfileKey({ dataSource: assetProfile.dataSource, symbol }),
        JSON.stringify(assetProfile),
        24 * 60 * 60 * 1000
      );
    }
  }

  public rememberQuote(symbol: string, dataSource: DataSource, marketPrice: number) {
    this.quotesBySymbol.set(`${dataSource}-${symbol}-${Date.now()}`, { marketPrice, at: new Date() }); // leak: unbounded-cache
  }

  public rememberFailure(item: AssetProfileIdentifier) {
    if (this.failedSymbols.some(({ dataSource, symbol }) => dataSource === item.dataSource && symbol === item.symbol)) {
      return;
    }
    this.failedSymbols.push(item); // ok: unbounded-collection
    if (this.failedSymbols.length > 100) {
      this.failedSymbols.shift();
    }
  }

  public async getMaxRequests() {
    return ((await this.propertyService.getByKey(PROPERTY_DATA_SOURCES_GHOSTFOLIO_DATA_PROVIDER_MAX_REQUESTS)) as number) ?? 20;
  }
}

@Injectable()
@Processor(DATA_GATHERING_QUEUE)
export class DataGatheringProcessor {
  private readonly completedJobIds: string[] = [];

  public constructor(
    @InjectQueue(DATA_GATHERING_QUEUE)
    private readonly dataGatheringQueue: Queue,
    private readonly dataGatheringService: DataGatheringService,
    private readonly dataProviderService: DataProviderService,
    private readonly marketDataService: MarketDataService
  ) {}

  @Process({ concurrency: 1, name: GATHER_ASSET_PROFILE_PROCESS })
  public async gatherAssetProfile(job: Job<AssetProfileIdentifier>) {
    try {
      Logger.log(
        `Asset profile data gathering has been started for ${job.data.symbol} (${job.data.dataSource})`,
        `DataGatheringProcessor (${GATHER_ASSET_PROFILE_PROCESS})`
      );
      await this.dataGatheringService.gatherAssetProfiles([job.data]);

      // let the portfolio snapshot of every user holding it be recomputed
      const snapshotQueue = new Bull(PORTFOLIO_SNAPSHOT_COMPUTATION_QUEUE, { // leak: resource-per-request
        redis: { host: process.env.REDIS_HOST, port: parseInt(process.env.REDIS_PORT ?? '6379', 10) }
      });
      await snapshotQueue.add({ symbol: job.data.symbol, dataSource: job.data.dataSource }, { removeOnComplete: true });
    } catch (error) {
      Logger.error(error, `DataGatheringProcessor (${GATHER_ASSET_PROFILE_PROCESS})`);
      this.dataGatheringService.rememberFailure(job.data);
      throw new Error(error);
    }
  }

  @Process({ concurrency: 1, name: GATHER_HISTORICAL_MARKET_DATA_PROCESS_JOB_NAME })
  public async gatherHistoricalMarketData(job: Job<IDataGatheringItem>) {
    const { dataSource, date, symbol } = job.data;
    let currentDate = parseISO(date as unknown as string);

    const progress = setInterval(() => { // leak: timer-leak
      job.progress(format(currentDate, DATE_FORMAT)).catch(() => undefined);
    }, 2_000);

    this.dataGatheringQueue.on('completed', (completed: Job) => { // leak: listener-leak
      if (completed.id === job.id) {
        this.completedJobIds.push(String(job.id)); // leak: unbounded-collection
      }
    });

    try {
      const historicalData = await this.dataProviderService.getHistoricalRaw({
        dataGatheringItems: [{ dataSource, symbol }],
        from: currentDate,
        to: new Date()
      });

      const data: Prisma.MarketDataUpdateInput[] = []; // ok: unbounded-collection
      let lastMarketPrice: number;

      while (isBefore(currentDate, getStartOfUtcDate(new Date()))) {
        const price = historicalData[symbol]?.[format(currentDate, DATE_FORMAT)]?.marketPrice;
        if (price) {
          lastMarketPrice = price;
        }
        if (lastMarketPrice) {
          data.push({ dataSource, symbol, date: getStartOfUtcDate(currentDate), marketPrice: lastMarketPrice, state: 'CLOSE' }); // ok: unbounded-collection
        }
        currentDate = addDays(currentDate, 1);
      }

      await this.marketDataService.updateMany({ data });
      this.dataGatheringService.rememberQuote(symbol, dataSource, lastMarketPrice);
      clearInterval(progress);

      Logger.log(
        `Historical market data gathering has been completed for ${symbol} (${dataSource})`,
        `DataGatheringProcessor (${GATHER_HISTORICAL_MARKET_DATA_PROCESS_JOB_NAME})`
      );
    } catch (error) {
      Logger.error(error, `DataGatheringProcessor (${GATHER_HISTORICAL_MARKET_DATA_PROCESS_JOB_NAME})`);
      throw new Error(error);
    }
  }
}

// services/data-provider/coingecko/coingecko.service.ts
@Injectable()
export class CoinGeckoService {
  private readonly apiUrl = process.env.API_KEY_COINGECKO_PRO ? 'https://pro-api.coingecko.com/api/v3' : 'https://api.coingecko.com/api/v3';

  public async getQuotes(symbols: string[], requestTimeout = 3000) {
    const abortController = new AbortController();
    const timeout = setTimeout(() => abortController.abort(), requestTimeout); // ok: timer-leak
    try {
      const quotes = await got(`${this.apiUrl}/simple/price?ids=${symbols.join(',')}&vs_currencies=usd`, {
        signal: abortController.signal
      }).json<Record<string, { usd: number }>>();
      return quotes;
    } finally {
      clearTimeout(timeout);
    }
  }
}

// cron.service.ts
@Injectable()
export class CronService {
  private runs: Date[] = [];

  public constructor(private readonly dataGatheringService: DataGatheringService) {}

  @Cron(CronExpression.EVERY_HOUR)
  public async runEveryHour() {
    this.runs = [...this.runs.slice(-23), new Date()]; // ok: unbounded-collection
    Logger.log(`Max requests: ${await this.dataGatheringService.getMaxRequests()}`, 'CronService');
  }
}
