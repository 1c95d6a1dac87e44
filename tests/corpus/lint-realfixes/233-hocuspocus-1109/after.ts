// packages/server/src/MessageReceiver.ts of @hocuspocus/server 4.1.0, cut to the awareness
// branch. Every cursor move or presence change of every client is an awareness message.
// y-protocols' Awareness starts a setInterval (its outdated-state check) in its
// constructor and clears it in destroy().
import {
	Awareness,
	applyAwarenessUpdate,
	encodeAwarenessUpdate,
} from "y-protocols/awareness";
import * as Y from "yjs";
import type Connection from "./Connection.ts";
import type Document from "./Document.ts";
import type { IncomingMessage } from "./IncomingMessage.ts";
import {
	MessageType,
	type ConnectionTransactionOrigin,
	type TransactionOrigin,
} from "./types.ts";

export class MessageReceiver {
	message: IncomingMessage;

	defaultTransactionOrigin?: TransactionOrigin;

	constructor(
		message: IncomingMessage,
		defaultTransactionOrigin?: TransactionOrigin,
	) {
		this.message = message;
		this.defaultTransactionOrigin = defaultTransactionOrigin;
	}

	public async apply(document: Document, connection?: Connection) {
		const { message } = this;
		const type = message.readVarUint();

		switch (type) {
			case MessageType.Awareness: {
				let update = message.readVarUint8Array();

				const origin: TransactionOrigin = connection
					? ({
							source: "connection",
							connection,
						} satisfies ConnectionTransactionOrigin)
					: (this.defaultTransactionOrigin ?? { source: "local" });

				// Decode the update into a scratch Awareness, so that the hooks see a map
				// of client states they may change or reject, then re-encode it.
				const scratchDoc = new Y.Doc();
				const scratch = new Awareness(scratchDoc);
				try {
					applyAwarenessUpdate(scratch, update, null);

					await document.callbacks.beforeHandleAwareness(
						document,
						scratch.getStates(),
						origin,
					);

					update = encodeAwarenessUpdate(scratch, [
						...scratch.getStates().keys(),
					]);
				} finally {
					scratch.destroy();
					scratchDoc.destroy();
				}

				applyAwarenessUpdate(document.awareness, update, origin);

				break;
			}
			default:
				break;
		}
	}
}
