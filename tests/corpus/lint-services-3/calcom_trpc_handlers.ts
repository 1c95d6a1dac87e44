import { PrismaClient } from "@prisma/client";
import dayjs from "@calcom/dayjs";
import { getCalendar } from "@calcom/app-store/_utils/getCalendar";
import { getCredentialForCalendarCache } from "@calcom/lib/delegationCredential/server";
import logger from "@calcom/lib/logger";
import { safeStringify } from "@calcom/lib/safeStringify";
import sendPayload from "@calcom/features/webhooks/lib/sendOrSchedulePayload";
import getWebhooks from "@calcom/features/webhooks/lib/getWebhooks";
import { WebhookTriggerEvents } from "@calcom/prisma/enums";
import type { TrpcSessionUser } from "@calcom/trpc/server/types";
import { TRPCError } from "@trpc/server";
import type { NextApiRequest, NextApiResponse } from "next";
import { z } from "zod";

// ---------------------------------------------------------------------------
// packages/prisma/index.ts
// ---------------------------------------------------------------------------
const globalForPrisma = globalThis as unknown as { prisma: PrismaClient | undefined };
export const prisma = globalForPrisma.prisma ?? new PrismaClient(); // ok: resource-per-request
if (process.env.NODE_ENV !== "production") {
  globalForPrisma.prisma = prisma; // ok: global-growth
}

type AuditEntry = { userId: number; action: string; at: Date; input: unknown };
const globalForAudit = globalThis as unknown as { calAuditTrail?: AuditEntry[] };
globalForAudit.calAuditTrail ??= []; // ok: global-growth

const log = logger.getSubLogger({ prefix: ["trpc:viewer:availability"] });

type Ctx = { user: NonNullable<TrpcSessionUser>; req?: NextApiRequest; res?: NextApiResponse };

// ---------------------------------------------------------------------------
// packages/trpc/server/routers/viewer/availability/calendarOverlay.handler.ts
// ---------------------------------------------------------------------------
export const ZCalendarOverlayInputSchema = z.object({
  loggedInUsersTz: z.string(),
  dateFrom: z.string(),
  dateTo: z.string(),
  calendarsToLoad: z.array(z.object({ credentialId: z.number(), externalId: z.string() })),
});

type CalendarOverlayOptions = { ctx: Ctx; input: z.infer<typeof ZCalendarOverlayInputSchema> };

const busyTimesCache = new Map<string, { start: string; end: string }[]>();

export const calendarOverlayHandler = async ({ ctx, input }: CalendarOverlayOptions) => {
  const { user } = ctx;
  const { calendarsToLoad, dateFrom, dateTo } = input;
  if (!dateFrom || !dateTo) {
    return [] as { start: Date | string; end: Date | string }[];
  }

  const result: { start: string; end: string }[] = [];
  const credentials = new Map<number, Awaited<ReturnType<typeof getCredentialForCalendarCache>>>();
  for (const item of calendarsToLoad) {
    if (!credentials.has(item.credentialId)) {
      credentials.set(item.credentialId, await getCredentialForCalendarCache({ credentialId: item.credentialId })); // ok: unbounded-cache
    }
  }
  for (const item of calendarsToLoad) {
    const cacheKey = `${item.credentialId}:${item.externalId}:${dateFrom}:${dateTo}`;
    let busy = busyTimesCache.get(cacheKey);
    if (!busy) {
      const credential = credentials.get(item.credentialId);
      if (!credential || credential.userId !== user.id) {
        throw new TRPCError({ code: "FORBIDDEN", message: "Credential does not belong to user" });
      }
      const calendar = await getCalendar(credential);
      busy = (await calendar?.getAvailability(dayjs(dateFrom).format(), dayjs(dateTo).format(), [item])) ?? [];
      busyTimesCache.set(cacheKey, busy); // leak: unbounded-cache
    }
    result.push(...busy); // ok: unbounded-collection
  }
  return result;
};

// ---------------------------------------------------------------------------
// packages/trpc/server/routers/viewer/insights/bookingsByStatus.handler.ts
// ---------------------------------------------------------------------------
type InsightsOptions = { ctx: Ctx; input: { teamId: number; startDate: string; endDate: string } };

export const bookingsByStatusHandler = async ({ ctx, input }: InsightsOptions) => {
  const insightsDb = new PrismaClient({ datasources: { db: { url: process.env.INSIGHTS_DATABASE_URL } } }); // leak: resource-per-request
  const membership = await prisma.membership.findFirst({ where: { userId: ctx.user.id, teamId: input.teamId, accepted: true } });
  if (!membership) {
    throw new TRPCError({ code: "UNAUTHORIZED" });
  }
  globalForAudit.calAuditTrail!.push({ userId: ctx.user.id, action: "insights.bookingsByStatus", at: new Date(), input }); // leak: global-growth
  return insightsDb.bookingTimeStatus.groupBy({
    by: ["timeStatus"],
    where: { teamId: input.teamId, createdAt: { gte: new Date(input.startDate), lte: new Date(input.endDate) } },
    _count: { _all: true },
  });
};

// ---------------------------------------------------------------------------
// packages/trpc/server/routers/viewer/bookings/confirm.handler.ts (webhook part)
// ---------------------------------------------------------------------------
const failedDeliveries = new Map<string, () => Promise<void>>();

type ConfirmOptions = { ctx: Ctx; input: { bookingId: number; confirmed: boolean; reason?: string } };

export const confirmHandler = async ({ ctx, input }: ConfirmOptions) => {
  const booking = await prisma.booking.update({
    where: { id: input.bookingId },
    data: { status: input.confirmed ? "ACCEPTED" : "REJECTED", rejectionReason: input.reason },
    include: { attendees: true, eventType: true },
  });

  const webhooks = await getWebhooks({ userId: ctx.user.id, eventTypeId: booking.eventTypeId, triggerEvent: WebhookTriggerEvents.BOOKING_CREATED });
  for (const webhook of webhooks) {
    const deliver = async () => {
      await sendPayload(webhook.secret, WebhookTriggerEvents.BOOKING_CREATED, new Date().toISOString(), webhook, { ...booking, confirmedBy: ctx.user, request: ctx.req?.headers });
      failedDeliveries.delete(`${webhook.id}:${booking.uid}`);
    };
    try {
      await deliver();
    } catch (e) {
      log.error(`Error delivering webhook ${webhook.id}`, safeStringify(e));
      failedDeliveries.set(`${webhook.id}:${booking.uid}`, deliver); // leak: closure-capture
    }
  }
  return { message: input.confirmed ? "Booking confirmed" : "Booking rejected", status: booking.status };
};

export const retryFailedDeliveries = async () => {
  for (const deliver of Array.from(failedDeliveries.values())) {
    await deliver().catch(() => undefined);
  }
};

// ---------------------------------------------------------------------------
// apps/web/pages/api/cron/calendar-cache-cleanup.ts
// ---------------------------------------------------------------------------
export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const apiKey = req.headers.authorization || req.query.apiKey;
  if (process.env.CRON_API_KEY !== apiKey) {
    res.status(401).json({ message: "Not authenticated" });
    return;
  }
  const deleted = await prisma.calendarCache.deleteMany({ where: { expiresAt: { lte: new Date() } } });
  await retryFailedDeliveries();
  res.json({ ok: true, count: deleted.count });
}
