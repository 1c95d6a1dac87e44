import type { Server as HttpServer } from 'node:http'

// The dev server tries ports one after another until one binds; the same
// httpServer is used for every attempt.
async function tryBindServer(
  httpServer: HttpServer,
  port: number,
  host: string | undefined,
): Promise<{ success: true } | { success: false; error: Error & { code?: string } }> {
  return new Promise((resolve) => {
    const onError = (e: Error & { code?: string }) => {
      httpServer.removeListener('error', onError)
      resolve({ success: false, error: e })
    }
    httpServer.on('error', onError)
    // listen()'s callback is a 'listening' listener, left behind when the port is taken
    httpServer.listen(port, host, () => { // leak: listener-leak
      httpServer.removeListener('error', onError)
      resolve({ success: true })
    })
  })
}

export async function httpServerStart(httpServer: HttpServer, port: number, host?: string): Promise<number> {
  for (let p = port; p <= 65535; p++) {
    const result = await tryBindServer(httpServer, p, host)
    if (result.success) return p
    if (result.error.code !== 'EADDRINUSE') throw result.error
  }
  throw new Error('No available ports found')
}
