import http, { IncomingMessage } from "http";
import { Duplex } from "stream";
import invariant from "invariant";
import Koa from "koa";
import IO from "socket.io";
import { createAdapter } from "@socket.io/redis-adapter";
import Logger from "@server/logging/Logger";
import Metrics from "@server/logging/Metrics";
import { Document, Collection, View, User } from "@server/models";
import { can } from "@server/policies";
import { getUserForJWT } from "@server/utils/jwt";
import { websocketQueue } from "../queues";
import WebsocketsProcessor from "../queues/processors/WebsocketsProcessor";
import Redis from "@server/storage/redis";

type SocketWithAuth = IO.Socket & {
  client: IO.Socket["client"] & {
    user?: User;
  };
};

/** Users currently editing each document, on this instance. */
const documentEditors = new Map<string, Set<string>>();

export default function init(
  app: Koa,
  server: http.Server,
  serviceNames: string[]
) {
  const path = "/realtime";

  const io = new IO.Server(server, {
    path,
    serveClient: false,
    cookie: false,
    cors: { origin: "*", methods: ["GET", "POST"] },
  });

  const listeners = server.listeners("upgrade");
  const ioHandleUpgrade = listeners.pop();
  if (ioHandleUpgrade) {
    server.removeListener("upgrade", ioHandleUpgrade as (...args: any[]) => void);
  }

  server.on("upgrade", function (req: IncomingMessage, socket: Duplex, head: Buffer) { // ok: listener-leak
    if (req.url?.startsWith(path)) {
      invariant(ioHandleUpgrade, "Existing upgrade handler must exist");
      ioHandleUpgrade(req, socket, head);
      return;
    }
    if (serviceNames.includes("collaboration")) {
      return;
    }
    socket.end(`HTTP/1.1 400 Bad Request\r\n`);
  });

  io.adapter(
    createAdapter(Redis.defaultClient, Redis.defaultSubscriber) // ok: resource-per-request
  );

  io.on("connection", (socket: SocketWithAuth) => { // ok: listener-leak
    Metrics.increment("websockets.connected");

    socket.on("authentication", async function (data) { // ok: listener-leak
      try {
        await authenticate(socket, data);
        void authenticated(io, socket);
      } catch (err) {
        Logger.error(`Authentication error socket ${socket.id}`, err);
        socket.emit("unauthorized", { message: err.message }, function () {
          socket.disconnect();
        });
      }
    });

    socket.on("disconnect", async () => {
      Metrics.increment("websockets.disconnected");
      await Redis.defaultClient.hdel(socket.id, "userId");
    });

    setTimeout(function () { // ok: timer-leak
      if (!socket.client.user) {
        socket.disconnect(true);
      }
    }, 1000);
  });

  const websockets = new WebsocketsProcessor();
  websocketQueue.process(async function websocketEventsProcessor(job) {
    const event = job.data;
    websockets.perform(event, io).catch((error) => {
      Logger.error("Error processing websocket event", error, { event });
    });
  });
}

async function authenticated(io: IO.Server, socket: SocketWithAuth) {
  const { user } = socket.client;
  if (!user) {
    throw new Error("User not returned from auth");
  }

  const rooms = [`team-${user.teamId}`, `user-${user.id}`];
  const collectionIds: string[] = await user.collectionIds();
  collectionIds.forEach((collectionId) => rooms.push(`collection-${collectionId}`)); // ok: unbounded-collection
  await socket.join(rooms);

  const onJobFailed = (job: { data: { actorId: string; modelId: string } }, err: Error) => {
    if (job.data.actorId === user.id) {
      socket.emit("sync.failed", { modelId: job.data.modelId, error: err.message });
    }
  };
  websocketQueue.on("failed", onJobFailed); // ok: listener-leak
  socket.once("disconnect", () => websocketQueue.removeListener("failed", onJobFailed));

  const presence = setInterval(async () => { // leak: timer-leak
    for (const room of socket.rooms) {
      if (room.startsWith("document-")) {
        await View.touch(room.replace("document-", ""), user.id, false);
      }
    }
  }, 30 * 1000);

  socket.on("join", async (event) => { // ok: listener-leak
    if (event.collectionId) {
      const collection = await Collection.scope({ method: ["withMembership", user.id] }).findByPk(event.collectionId);
      if (can(user, "read", collection)) {
        await socket.join(`collection-${event.collectionId}`);
      }
    }

    if (event.documentId) {
      const document = await Document.findByPk(event.documentId, { userId: user.id });
      if (can(user, "read", document)) {
        const room = `document-${event.documentId}`;
        await View.touch(event.documentId, user.id, event.isEditing);
        if (event.isEditing) {
          documentEditors.set(event.documentId, (documentEditors.get(event.documentId) ?? new Set()).add(user.id)); // leak: unbounded-collection
        }
        await socket.join(room);
        io.to(room).emit("user.join", { userId: user.id, documentId: event.documentId, isEditing: event.isEditing });
        socket.emit("document.presence", {
          documentId: event.documentId,
          userIds: [user.id],
          editingIds: Array.from(documentEditors.get(event.documentId) ?? []),
        });
      }
    }
  });

  socket.on("leave", async (event) => {
    if (event.documentId) {
      const room = `document-${event.documentId}`;
      await socket.leave(room);
      io.to(room).emit("user.leave", { userId: user.id, documentId: event.documentId });
    }
  });

  socket.on("disconnecting", () => { // ok: closure-capture
    socket.rooms.forEach((room) => {
      if (room.startsWith("document-")) {
        io.to(room).emit("user.leave", { userId: user.id, documentId: room.replace("document-", "") });
      }
    });
  });
}

async function authenticate(socket: SocketWithAuth, data: { token: string }) {
  const user = await getUserForJWT(data.token);
  socket.client.user = user;
  await Redis.defaultClient.hset(socket.id, "userId", user.id);
}
