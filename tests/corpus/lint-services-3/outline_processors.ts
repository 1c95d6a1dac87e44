import https from "https";
import fetch from "node-fetch";
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
import { LRUCache } from "lru-cache";
import env from "@server/env";
import Logger from "@server/logging/Logger";
import { Document, Team, User, WebhookSubscription, WebhookDelivery } from "@server/models";
import { DocumentHelper } from "@server/models/helpers/DocumentHelper";
import { Event, DocumentEvent, RevisionEvent } from "@server/types";
import Redis from "@server/storage/redis";
import BaseTask, { TaskPriority } from "@server/queues/tasks/BaseTask";

export default abstract class BaseProcessor {
  static applicableEvents: Event["name"][] | ["*"] = [];

  public abstract perform(event: Event): Promise<void>;
}

/** Storage client shared by every upload of this process. */
const sharedS3 = new S3Client({ region: env.AWS_REGION, forcePathStyle: env.AWS_S3_FORCE_PATH_STYLE }); // ok: resource-per-request

/** Keep-alive agent for webhook deliveries. */
const webhookAgent = new https.Agent({ keepAlive: true, timeout: 5000, maxSockets: 50 }); // ok: resource-per-request

const userCache = new LRUCache<string, User>({ max: 500, ttl: 60 * 1000 });

async function loadUser(id: string) {
  let user = userCache.get(id);
  if (!user) {
    user = await User.findByPk(id, { rejectOnEmpty: true });
    userCache.set(id, user); // ok: unbounded-cache
  }
  return user;
}

export class WebhookProcessor extends BaseProcessor {
  static applicableEvents: ["*"] = ["*"];

  async perform(event: Event) {
    const subscriptions = await WebhookSubscription.findAll({ where: { teamId: event.teamId, enabled: true } });
    for (const subscription of subscriptions.filter((s) => s.validForEvent(event))) {
      const delivery = await WebhookDelivery.create({ webhookSubscriptionId: subscription.id, status: "pending" });
      try {
        const response = await fetch(subscription.url, {
          method: "POST",
          agent: webhookAgent,
          headers: { "Content-Type": "application/json", "Outline-Signature": subscription.signature(delivery.id) },
          body: JSON.stringify({ id: delivery.id, actorId: event.actorId, event: event.name, payload: event.data }),
        });
        await delivery.update({ status: response.ok ? "success" : "failed", statusCode: response.status });
      } catch (err) {
        Logger.error("Failed to send webhook", err, { deliveryId: delivery.id });
        await delivery.update({ status: "failed" });
      }
    }
  }
}

const renderedHtml = new Map<string, string>();

export class DocumentRenderProcessor extends BaseProcessor {
  static applicableEvents: Event["name"][] = ["documents.update.debounced", "documents.publish"];

  async perform(event: DocumentEvent) {
    const document = await Document.findByPk(event.documentId, { includeState: true });
    if (!document) {
      return;
    }
    const key = `${document.id}:${document.updatedAt.toISOString()}`;
    if (!renderedHtml.has(key)) {
      renderedHtml.set(key, await DocumentHelper.toHTML(document, { includeStyles: false })); // leak: unbounded-cache
    }
    await Redis.defaultClient.set(`document:html:${document.id}`, renderedHtml.get(key)!, "EX", 3600);
  }
}

const pendingMentions = new Map<string, () => Promise<void>>();
const mentionTimers = new Map<string, NodeJS.Timeout>();

export class MentionsProcessor extends BaseProcessor {
  static applicableEvents: Event["name"][] = ["documents.update", "documents.publish", "revisions.create"];

  async perform(event: DocumentEvent | RevisionEvent) {
    if (event.name === "documents.publish") {
      const send = pendingMentions.get(event.documentId);
      pendingMentions.delete(event.documentId);
      await send?.();
      return;
    }

    const document = await Document.findByPk(event.documentId);
    if (!document) {
      return;
    }
    const mentions = DocumentHelper.parseMentions(document);
    pendingMentions.set(event.documentId, async () => { // leak: closure-capture, unbounded-collection
      for (const mention of mentions) {
        const actor = await loadUser(event.actorId);
        Logger.info("processor", `Notify ${mention.modelId} of mention by ${actor.name} in ${document.title}`);
      }
    });

    const previous = mentionTimers.get(event.documentId);
    if (previous) {
      clearTimeout(previous);
    }
    mentionTimers.set(event.documentId, setTimeout(() => mentionTimers.delete(event.documentId), 60 * 1000)); // ok: timer-leak
  }
}

type Props = { teamId: string; fileName: string; userId: string };

export class ExportTeamTask extends BaseTask<Props> {
  public async perform({ teamId, fileName, userId }: Props) {
    const team = await Team.findByPk(teamId, { rejectOnEmpty: true });
    const documents = await Document.findAll({ where: { teamId: team.id } });
    const body = JSON.stringify(documents.map((d) => d.toJSON()));
    const s3 = new S3Client({ region: env.AWS_REGION, endpoint: env.AWS_S3_UPLOAD_BUCKET_URL }); // leak: resource-per-request
    await s3.send(new PutObjectCommand({ Bucket: env.AWS_S3_UPLOAD_BUCKET_NAME, Key: `exports/${teamId}/${fileName}`, Body: body }));
    Logger.info("task", `Export for ${team.name} requested by ${userId} uploaded`);
  }

  public async uploadAttachment(key: string, body: Buffer) {
    await sharedS3.send(new PutObjectCommand({ Bucket: env.AWS_S3_UPLOAD_BUCKET_NAME, Key: key, Body: body }));
  }

  public get options() {
    return { priority: TaskPriority.Background, attempts: 1 };
  }
}
