// One LoggerFilePersister for the server; every log line of every bot goes
// through appendLog. The flush interval only starts when file output is enabled.
import fs from 'fs'
import path from 'path'

interface LoggerEntry {
  timestamp: string
  scope: string
  level: string
  message: string
  botId?: string
}

export class LoggerFilePersister {
  private readonly INTERVAL = 2000
  private batch: string[] = []
  private intervalRef?: NodeJS.Timeout
  private outputFolder!: string

  async initialize(config: { enabled: boolean; folder: string }) {
    if (!config.enabled) {
      return
    }
    this.outputFolder = config.folder
    this.start()
  }

  appendLog(entry: LoggerEntry) {
    const bot = entry.botId ? `(bot: ${entry.botId})` : ''
    this.batch.push(`${entry.timestamp} ${entry.scope} (${entry.level}) ${bot} ${entry.message}\n`) // leak: unbounded-collection
  }

  start() {
    if (this.intervalRef) {
      return
    }
    this.intervalRef = setInterval(this._runTask, this.INTERVAL)
  }

  stop() {
    clearInterval(this.intervalRef)
    this.intervalRef = undefined
  }

  private _runTask = async () => {
    if (!this.batch.length) {
      return
    }
    const lines = this.batch.join('')
    this.batch = []
    await fs.promises.appendFile(path.resolve(this.outputFolder, 'logs.log'), lines)
  }
}
