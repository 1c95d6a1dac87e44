import debug from "debug";
import express from "express";
import http from "http";
import { Server as SocketIO, Socket } from "socket.io";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Firestore } from "@google-cloud/firestore";
import { RateLimiterMemory } from "rate-limiter-flexible";

// Collaboration room server after excalidraw-room's src/index.ts: one socket.io server, rooms keyed
// by roomID, follow rooms named `follow_<socketId>`, encrypted scene payloads relayed as-is.
// Added here: a redis adapter, per-room stats for /metrics and a snapshot store for late joiners.

type UserToFollow = { clientId: string; username: string };
type OnUserFollowedPayload = { userToFollow: UserToFollow; action: "follow" | "unfollow" };
type Encrypted = { data: ArrayBuffer; iv: Uint8Array };

const serverDebug = debug("server");
const ioDebug = debug("io");
const socketDebug = debug("socket");

const app = express();
const port = process.env.PORT || (process.env.NODE_ENV !== "development" ? 80 : 3002);
const firestore = new Firestore({ projectId: process.env.GCP_PROJECT }); // ok: resource-per-request
const limiter = new RateLimiterMemory({ points: 120, duration: 10 }); // ok: unbounded-cache

// latest scene bounds of a followed user, sent to new followers at once
const withLatestSceneBounds = new Map<string, Encrypted>();
// last full scene per room, for a joiner that arrives while everybody is idle
const latestScenes = new Map<string, Encrypted>();
const roomStats = new Map<string, { joins: number; bytes: number }>();
const broadcastLog: { roomID: string; at: number; size: number }[] = [];
const BROADCAST_LOG_MAX = 500;

app.use(express.static("public"));
app.get("/", (_req, res) => res.send("Excalidraw collaboration server is up :)"));
app.get("/metrics", (_req, res) => {
  const rooms = []; // ok: unbounded-collection
  for (const [roomID, stats] of roomStats) rooms.push({ roomID, ...stats }); // ok: unbounded-collection
  res.json({ rooms, recent: broadcastLog.slice(-50) });
});

const server = http.createServer(app);
server.listen(port, () => serverDebug(`listening on port: ${port}`));

const persistScene = async (roomID: string, scene: Encrypted) => {
  const doc = firestore.collection("scenes").doc(roomID);
  await doc.set({ iv: Buffer.from(scene.iv), ciphertext: Buffer.from(scene.data), updatedAt: Date.now() });
};

async function main() {
  const pubClient = createClient({ url: process.env.REDIS_URL }); // ok: resource-per-request
  const subClient = pubClient.duplicate(); // ok: resource-per-request
  await Promise.all([pubClient.connect(), subClient.connect()]);

  const io = new SocketIO(server, {
    transports: ["websocket", "polling"],
    cors: { origin: process.env.CORS_ORIGIN || "*", credentials: true },
    allowEIO3: true,
    adapter: createAdapter(pubClient, subClient),
  });

  io.of("/").adapter.on("delete-room", (roomID: string) => { // ok: listener-leak
    latestScenes.delete(roomID);
    roomStats.delete(roomID);
  });

  const emitRoomUsers = async (roomID: string) => {
    const sockets = await io.in(roomID).fetchSockets();
    io.in(roomID).emit("room-user-change", sockets.map((s) => s.id));
  };

  io.on("connection", (socket: Socket) => { // ok: listener-leak
    ioDebug("connection established!");
    io.to(`${socket.id}`).emit("init-room");

    socket.on("join-room", async (roomID: string) => { // ok: listener-leak
      socketDebug(`${socket.id} has joined ${roomID}`);
      await socket.join(roomID);
      const stats = roomStats.get(roomID) ?? { joins: 0, bytes: 0 };
      stats.joins += 1;
      roomStats.set(roomID, stats); // ok: unbounded-collection

      const sockets = await io.in(roomID).fetchSockets();
      if (sockets.length <= 1) {
        io.to(`${socket.id}`).emit("first-in-room");
      } else {
        socket.broadcast.to(roomID).emit("new-user", socket.id);
        const scene = latestScenes.get(roomID);
        if (scene) io.to(socket.id).emit("client-broadcast", scene.data, scene.iv);
      }

      // idle rooms get a presence refresh so clients drop ghosts
      const presence = setInterval(() => emitRoomUsers(roomID), 30_000); // leak: timer-leak
      io.of("/").adapter.on("leave-room", (room: string, id: string) => { // leak: listener-leak
        if (room === roomID && id === socket.id) socketDebug(`${id} left ${roomID}`);
      });
      socket.data.presence = presence;
      await emitRoomUsers(roomID);
    });

    socket.on("server-broadcast", async (roomID: string, encryptedData: ArrayBuffer, iv: Uint8Array) => { // ok: listener-leak
      try {
        await limiter.consume(socket.id);
      } catch {
        return;
      }
      socketDebug(`${socket.id} sends update to ${roomID}`);
      latestScenes.set(roomID, { data: encryptedData, iv }); // ok: unbounded-cache
      broadcastLog.push({ roomID, at: Date.now(), size: encryptedData.byteLength }); // ok: unbounded-collection
      if (broadcastLog.length > BROADCAST_LOG_MAX) broadcastLog.splice(0, broadcastLog.length - BROADCAST_LOG_MAX);
      const stats = roomStats.get(roomID);
      if (stats) stats.bytes += encryptedData.byteLength;
      socket.broadcast.to(roomID).emit("client-broadcast", encryptedData, iv);
      persistScene(roomID, { data: encryptedData, iv }).catch((e) => serverDebug(e));
    });

    socket.on("server-volatile-broadcast", (roomID: string, encryptedData: ArrayBuffer, iv: Uint8Array) => { // ok: listener-leak
      if (roomID.startsWith("follow_")) {
        withLatestSceneBounds.set(roomID, { data: encryptedData, iv }); // leak: unbounded-cache
      }
      socket.volatile.broadcast.to(roomID).emit("client-broadcast", encryptedData, iv);
    });

    socket.on("on-user-follow", async (payload: OnUserFollowedPayload) => { // ok: listener-leak
      const roomID = `follow_${payload.userToFollow.clientId}`;
      if (payload.action === "follow") {
        await socket.join(roomID);
        const bounds = withLatestSceneBounds.get(roomID);
        if (bounds) io.to(socket.id).emit("client-broadcast", bounds.data, bounds.iv);
        const sockets = await io.in(roomID).fetchSockets();
        io.to(payload.userToFollow.clientId).emit("follow-room-user-change", sockets.map((s) => s.id));
      } else {
        await socket.leave(roomID);
        const sockets = await io.in(roomID).fetchSockets();
        io.to(payload.userToFollow.clientId).emit("follow-room-user-change", sockets.map((s) => s.id));
        if (sockets.length === 0) withLatestSceneBounds.delete(roomID);
      }
    });

    socket.on("disconnecting", async () => { // ok: listener-leak
      for (const roomID of Array.from(socket.rooms)) {
        const otherClients = (await io.in(roomID).fetchSockets()).filter((s) => s.id !== socket.id);
        const isFollowRoom = roomID.startsWith("follow_");
        if (!isFollowRoom && otherClients.length > 0) {
          socket.broadcast.to(roomID).emit("room-user-change", otherClients.map((s) => s.id));
        }
        if (isFollowRoom && otherClients.length === 0) {
          io.to(roomID.replace("follow_", "")).emit("broadcast-unfollow");
        }
      }
    });

    socket.on("disconnect", () => { // ok: listener-leak
      limiter.delete(socket.id).catch(() => undefined);
      socket.removeAllListeners();
      socket.disconnect();
    });
  });

  const shutdown = async () => {
    io.close();
    await Promise.all([pubClient.quit(), subClient.quit()]);
    await firestore.terminate();
    process.exit(0);
  };
  process.once("SIGTERM", shutdown); // ok: listener-leak
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
