import express, { type Request, type Response } from 'express';
import http from 'http';
import type { AppServer, Module } from '../types';
import { getCallContext, runMethod } from '../methods';

function registerModuleRoutes(app: express.Application, modules: Module[]) {
  for (const module of modules) {
    for (const route of module.routes) {
      app[route.method](route.path, route.handler);
    }
  }
}

// called once per app start; the test suites start a server for every suite in one process
export async function startServer(server: AppServer, { combinedModules }: { combinedModules: Module[] }) {
  const app = express();
  registerModuleRoutes(app, combinedModules);
  app.use(express.json({ limit: '16mb' }));

  app.post('/api/_internal/method/:methodName(*)', async (req: Request, res: Response) => {
    const context = await getCallContext(req, res);
    res.json({ data: await runMethod(req.params.methodName, req.body.args, context) });
  });

  const httpServer = http.createServer(app);
  await server.init({ httpServer });

  app.all('*', (req: Request, res: Response, next) => {
    Promise.resolve(server.handler(req, res)).catch(next);
  });

  process.on('unhandledRejection', (reason, promise) => { // leak: listener-leak
    console.error('Unhandled Promise Rejection:');
    console.error(reason instanceof Error ? reason.stack : reason);
    console.error('Promise:', promise);
  });

  process.on('uncaughtException', (error) => { // leak: listener-leak
    console.error('Uncaught Exception:');
    console.error(error.stack);
  });

  const port = Number(process.env.PORT || 3000);
  httpServer.listen(port);
  return httpServer;
}
