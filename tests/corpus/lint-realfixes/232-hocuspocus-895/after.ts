// Two files of @hocuspocus/server 2.x in one: the document registry of src/Hocuspocus.ts
// (cut to loading, unloading and openDirectConnection) and src/DirectConnection.ts.
// Applications open a direct connection from their own code (a REST endpoint, a webhook,
// a job) to read or change a document on the server, then disconnect it.
import { URLSearchParams } from 'url'
import { v4 as uuid } from 'uuid'
import Document from './Document.js'

interface ConnectionConfiguration {
  isAuthenticated: boolean
  readOnly: boolean
  requiresAuthentication: boolean
}

export class Hocuspocus {
  documents: Map<string, Document> = new Map()

  loadingDocuments: Map<string, Promise<Document>> = new Map()

  async hooks(name: string, payload: any): Promise<any> {
    return payload
  }

  async storeDocumentHooks(document: Document, payload: any, immediately?: boolean): Promise<void> {
    await this.hooks('onStoreDocument', payload)
  }

  public async createDocument(documentName: string, socketId: string, connection: ConnectionConfiguration, context?: any): Promise<Document> {
    const existingLoadingDoc = this.loadingDocuments.get(documentName)

    if (existingLoadingDoc) {
      return existingLoadingDoc
    }

    const existingDoc = this.documents.get(documentName)
    if (existingDoc) {
      return Promise.resolve(existingDoc)
    }

    const loadDocPromise = this.loadDocument(documentName, socketId, connection, context)

    this.loadingDocuments.set(documentName, loadDocPromise)

    try {
      await loadDocPromise
      this.loadingDocuments.delete(documentName)
    } catch (e) {
      this.loadingDocuments.delete(documentName)
      throw e
    }

    return loadDocPromise
  }

  async loadDocument(documentName: string, socketId: string, connection: ConnectionConfiguration, context?: any): Promise<Document> {
    const document = new Document(documentName)
    this.documents.set(documentName, document)

    await this.hooks('onLoadDocument', { instance: this, context, connection, document, documentName, socketId })

    return document
  }

  async unloadDocument(document: Document): Promise<any> {
    const documentName = document.name
    if (!this.documents.has(documentName)) return

    await this.hooks('beforeUnloadDocument', { instance: this, documentName })

    this.documents.delete(documentName)
    document.destroy()
    await this.hooks('afterUnloadDocument', { instance: this, documentName })
  }

  async openDirectConnection(documentName: string, context?: any): Promise<DirectConnection> {
    const connectionConfig: ConnectionConfiguration = {
      isAuthenticated: true,
      readOnly: false,
      requiresAuthentication: true,
    }

    const document: Document = await this.createDocument(
      documentName,
      uuid(),
      connectionConfig,
      context,
    )

    return new DirectConnection(document, this, context)
  }
}

export class DirectConnection {
  document: Document | null = null

  instance!: Hocuspocus

  context: any

  constructor(
    document: Document,
    instance: Hocuspocus,
    context?: any,
  ) {
    this.document = document
    this.instance = instance
    this.context = context

    this.document.addDirectConnection()
  }

  async transact(transaction: (document: Document) => void, transactionOrigin?: any) {
    if (!this.document) {
      throw new Error('direct connection closed')
    }

    transaction(this.document)

    await this.instance.storeDocumentHooks(this.document, {
      clientsCount: this.document.getConnectionsCount(),
      context: this.context,
      document: this.document,
      documentName: this.document.name,
      instance: this.instance,
      requestHeaders: {},
      requestParameters: new URLSearchParams(),
      socketId: 'server',
      transactionOrigin,
    }, true)
  }

  async disconnect() {
    if (this.document) {

      this.document?.removeDirectConnection()

      await this.instance.storeDocumentHooks(this.document, {
        clientsCount: this.document.getConnectionsCount(),
        context: this.context,
        document: this.document,
        documentName: this.document.name,
        instance: this.instance,
        requestHeaders: {},
        requestParameters: new URLSearchParams(),
        socketId: 'server',
      }, true)

      // if the direct connection was the document's only connection, let it go
      if (this.document.getConnectionsCount() === 0) {
        await this.instance.hooks('onDisconnect', {
          instance: this.instance,
          clientsCount: this.document.getConnectionsCount(),
          context: this.context,
          document: this.document,
          socketId: 'server',
          documentName: this.document.name,
          requestHeaders: {},
          requestParameters: new URLSearchParams(),
        })

        await this.instance.unloadDocument(this.document)
      }

      this.document = null
    }
  }
}
