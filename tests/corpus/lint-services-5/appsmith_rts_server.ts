import http from "http";
import express from "express";
import type { Request, Response, NextFunction } from "express";
import { Server, type Socket } from "socket.io";
import { MongoClient } from "mongodb";
import axios from "axios";
import log from "loglevel";
import { StatusCodes } from "http-status-codes";
import { extractIdentifierInfoFromCode, getAST } from "@shared/ast";
import {
  APP_ROOM_PREFIX,
  PAGE_ROOM_PREFIX,
  PAGE_EDIT_NAMESPACE,
  ROOT_NAMESPACE,
  RELEASE_VERSION_EVENT_NAME,
  EDITORS_EVENT_NAME,
  START_EDIT_EVENT_NAME,
  LEAVE_EDIT_EVENT_NAME,
} from "@constants/socket";
import { VERSION as buildVersion } from "../version";

// After Appsmith's realtime server (app/client/packages/rts/src): server.ts, sockets/events.ts,
// controllers/socket.ts, middlewares/socket-auth.ts, controllers/BaseController.ts and
// services/AstService.ts. One express app and one socket.io server for the process.

declare global {
  // eslint-disable-next-line no-var
  var rtsFeatureFlags: Record<string, Record<string, boolean>>;
  // eslint-disable-next-line no-var
  var rtsNotifiedSockets: Set<string>;
}

globalThis.rtsFeatureFlags = {}; // ok: global-growth
globalThis.rtsNotifiedSockets = new Set(); // ok: global-growth

const API_BASE_URL = process.env.APPSMITH_API_BASE_URL || "http://localhost:8080/api/v1";
const mongo = new MongoClient(process.env.APPSMITH_DB_URL as string); // ok: resource-per-request
const astCache: Record<string, unknown> = {};
let onDisconnectHooks: () => void = () => {};

class BaseController {
  serverErrorMessaage = "Something went wrong";

  sendEntityResponse(res: Response, data: unknown, success = true, code: number = StatusCodes.OK) {
    return res.status(code).json({ success, data });
  }

  sendError(res: Response, message: string, errors: unknown[], code: number = StatusCodes.BAD_REQUEST) {
    return res.status(code).json({ success: false, message, errors });
  }
}

// ---- services/AstService.ts ----
class AstService {
  static async extractIdentifierDataFromCode(script: string, evalVersion = 2, invalidIdentifiers = {}) {
    const key = `${evalVersion}:${script}`;
    if (astCache[key]) return astCache[key];
    const identifierInfo = extractIdentifierInfoFromCode(script, evalVersion, invalidIdentifiers);
    astCache[key] = identifierInfo; // leak: unbounded-cache
    return identifierInfo;
  }

  static parseOnce(script: string) {
    const seen = new Map<string, unknown>(); // ok: unbounded-cache
    const ast = getAST(script, { locations: true });
    seen.set(script, ast); // ok: unbounded-cache
    return seen.get(script);
  }
}

class AstController extends BaseController {
  async getIdentifierDataFromScript(req: Request, res: Response) {
    try {
      const { evalVersion, script } = req.body;
      const data = await AstService.extractIdentifierDataFromCode(script, evalVersion);
      return this.sendEntityResponse(res, data);
    } catch (err) {
      return this.sendError(res, this.serverErrorMessaage, [(err as Error).message], StatusCodes.INTERNAL_SERVER_ERROR);
    }
  }

  async getIdentifierDataFromMultipleScripts(req: Request, res: Response) {
    const { evalVersion, scripts } = req.body;
    const results: unknown[] = []; // ok: unbounded-collection
    for (const script of scripts ?? []) {
      results.push(await AstService.extractIdentifierDataFromCode(script, evalVersion)); // ok: unbounded-collection
    }
    return this.sendEntityResponse(res, results);
  }
}

// ---- middlewares/socket-auth.ts ----
async function tryAuth(socket: Socket) {
  const sessionCookie = socket.request.headers.cookie?.match(/\bSESSION=[-\w]+\b/)?.[0];
  if (!sessionCookie) return false;
  const response = await axios.get(`${API_BASE_URL}/users/me`, { headers: { Cookie: sessionCookie } });
  const email = response?.data?.data?.email;
  if (!email) return false;
  socket.data.email = email;
  socket.data.name = response.data.data.name ?? email;

  const audit = new MongoClient(process.env.APPSMITH_DB_URL as string); // leak: resource-per-request
  await audit.connect();
  await audit.db().collection("rtsLogins").insertOne({ email, at: new Date() });

  const flags = await axios.get(`${API_BASE_URL}/users/features`, { headers: { Cookie: sessionCookie } });
  globalThis.rtsFeatureFlags[`${email}:${socket.id}`] = flags.data.data; // leak: global-growth
  return true;
}

// ---- controllers/socket.ts ----
async function sendCurrentUsers(ns: ReturnType<Server["of"]>, roomName: string, prefix: string) {
  if (!roomName.startsWith(prefix)) return;
  const sockets = await ns.in(roomName).fetchSockets();
  const onlineUsernames = new Set<string>(); // ok: unbounded-collection
  const onlineUsers: { email: string; name: string }[] = [];
  for (const s of sockets) {
    if (s.data.email && !onlineUsernames.has(s.data.email)) {
      onlineUsernames.add(s.data.email);
      onlineUsers.push({ email: s.data.email, name: s.data.name }); // ok: unbounded-collection
    }
  }
  ns.to(roomName).emit(EDITORS_EVENT_NAME, onlineUsers);
}

function subscribeToEditEvents(socket: Socket, appRoomPrefix: string) {
  socket.on(START_EDIT_EVENT_NAME, (resourceId: string) => { // ok: listener-leak
    if (socket.data.email) {
      for (const room of socket.rooms) if (room.startsWith(appRoomPrefix)) socket.leave(room);
      socket.join(appRoomPrefix + resourceId);
    }
  });
  socket.on(LEAVE_EDIT_EVENT_NAME, (resourceId: string) => socket.leave(appRoomPrefix + resourceId)); // ok: listener-leak
}

async function onAppSocketConnected(socket: Socket) {
  const isAuthenticated = await tryAuth(socket);
  if (!isAuthenticated) socket.disconnect();
  if (!globalThis.rtsNotifiedSockets.has(socket.data.email)) {
    globalThis.rtsNotifiedSockets.add(socket.id); // leak: global-growth
  }
}

async function onPageSocketConnected(socket: Socket, io: Server) {
  const isAuthenticated = await tryAuth(socket);
  if (!isAuthenticated) {
    socket.disconnect();
    return;
  }
  io.of(PAGE_EDIT_NAMESPACE).adapter.on("leave-room", (room: string, id: string) => { // leak: listener-leak
    if (id === socket.id && room.startsWith(PAGE_ROOM_PREFIX)) log.debug(`${socket.data.email} left ${room}`);
  });
  onDisconnectHooks = ((previous) => () => { // leak: closure-capture
    previous();
    log.debug(`page editor ${socket.data.email} gone (${socket.id})`);
  })(onDisconnectHooks);
  socket.once("disconnect", () => onDisconnectHooks()); // ok: listener-leak
}

// ---- sockets/events.ts + server.ts ----
function watchEvents(io: Server) {
  io.on("connection", (socket: Socket) => { // ok: listener-leak
    socket.emit(RELEASE_VERSION_EVENT_NAME, buildVersion);
    subscribeToEditEvents(socket, APP_ROOM_PREFIX);
    onAppSocketConnected(socket).catch((error) => log.error("Error in socket connected handler", error));
  });
  io.of(PAGE_EDIT_NAMESPACE).on("connection", (socket: Socket) => { // ok: listener-leak
    subscribeToEditEvents(socket, PAGE_ROOM_PREFIX);
    onPageSocketConnected(socket, io).catch((error) => log.error("Error in socket connected handler", error));
  });
  io.of(ROOT_NAMESPACE).adapter.on("join-room", (room: string) => sendCurrentUsers(io.of(ROOT_NAMESPACE), room, APP_ROOM_PREFIX)); // ok: listener-leak
  io.of(ROOT_NAMESPACE).adapter.on("leave-room", (room: string) => sendCurrentUsers(io.of(ROOT_NAMESPACE), room, APP_ROOM_PREFIX)); // ok: listener-leak
  io.of(ROOT_NAMESPACE).on("disconnect", (socket: Socket) => globalThis.rtsNotifiedSockets.delete(socket.id)); // ok: listener-leak
}

const withErrors = (fn: (req: Request, res: Response) => Promise<unknown>) => // ok: closure-capture
  (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

async function main() {
  await mongo.connect();
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "5mb" }));
  const astController = new AstController();
  app.post("/rts-api/v1/ast/single-script-data", withErrors((req, res) => astController.getIdentifierDataFromScript(req, res)));
  app.post("/rts-api/v1/ast/multiple-script-data", withErrors((req, res) => astController.getIdentifierDataFromMultipleScripts(req, res)));
  app.get("/rts-api/v1/health-check", (_req, res) => res.json({ success: true }));

  const server = http.createServer(app);
  const io = new Server(server, { path: "/rts" });
  watchEvents(io);
  server.listen(Number(process.env.PORT) || 8091, () => log.info(`RTS version ${buildVersion} running`));

  process.once("SIGTERM", async () => { // ok: listener-leak
    io.close();
    await mongo.close();
    process.exit(0);
  });
}

main().catch((e) => {
  log.error(e);
  process.exit(1);
});
