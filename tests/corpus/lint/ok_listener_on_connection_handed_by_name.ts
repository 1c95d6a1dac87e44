// A WebSocket transport hands its connection handler to the server by name; the server calls
// it with each new connection and its request, so the listeners go with that connection
// (read in session 13 from a new finding on colyseus, a class field turned method).
import * as http from 'http';
import { WebSocketServer, WebSocket } from 'ws';

export class WebSocketTransport {
  protected wss: WebSocketServer;

  constructor(server: http.Server) {
    this.wss = new WebSocketServer({ server });
    this.wss.on('connection', this.onConnection);
  }

  protected onConnection = async (client: WebSocket, req: http.IncomingMessage) => {
    client.on('error', (err) => console.error(err.message));
    client.on('pong', () => { (client as any).alive = true; });
    client.send(req.url ?? '/');
  };
}

// The same with a method handed through bind().
export class RawTransport {
  constructor(private readonly server: http.Server) {
    this.server.on('upgrade', this.handleUpgrade.bind(this));
  }

  protected handleUpgrade(client: any, req: http.IncomingMessage) {
    client.on('error', (err: Error) => console.error(req.url, err.message));
  }
}
