import { Logger } from '@n8n/backend-common';
import { ExecutionRepository } from '@n8n/db';
import type { User } from '@n8n/db';
import { Service } from '@n8n/di';
import { OnLeaderStepdown, OnLeaderTakeover, OnShutdown } from '@n8n/decorators';
import type { Response } from 'express';
import type { IRun, IWorkflowExecutionDataProcess, ExecutionStatus } from 'n8n-workflow';
import { createDeferredPromise, ExecutionCancelledError, UnexpectedError } from 'n8n-workflow';
import type WebSocket from 'ws';

import { EventService } from '@/events/event.service';
import { ConcurrencyControlService } from '@/concurrency/concurrency-control.service';
import { WorkflowRunner } from '@/workflow-runner';

interface IExecutingWorkflowData {
	executionData: IWorkflowExecutionDataProcess;
	startedAt: Date;
	status: ExecutionStatus;
	postExecutePromise: ReturnType<typeof createDeferredPromise<IRun | undefined>>;
}

@Service()
export class ActiveExecutions {
	private activeExecutions: { [executionId: string]: IExecutingWorkflowData } = {};

	private streamingResponses = new Map<string, Response>();

	constructor(
		private readonly logger: Logger,
		private readonly executionRepository: ExecutionRepository,
		private readonly concurrencyControl: ConcurrencyControlService,
		private readonly eventService: EventService,
	) {}

	async add(executionData: IWorkflowExecutionDataProcess): Promise<string> {
		const executionId = await this.executionRepository.createNewExecution({
			data: executionData.executionData!,
			mode: executionData.executionMode,
			finished: false,
			workflowData: executionData.workflowData,
			status: 'new',
		});

		const postExecutePromise = createDeferredPromise<IRun | undefined>();
		this.activeExecutions[executionId] = { // ok: unbounded-collection
			executionData,
			startedAt: new Date(),
			status: 'running',
			postExecutePromise,
		};
		if (executionData.httpResponse) {
			this.streamingResponses.set(executionId, executionData.httpResponse); // leak: unbounded-collection
		}

		const onThrottled = ({ executionId: throttledId }: { executionId: string }) => {
			if (throttledId === executionId) this.setStatus(executionId, 'new');
		};
		this.eventService.on('execution-throttled', onThrottled); // ok: listener-leak

		void postExecutePromise.promise
			.catch((error) => {
				if (error instanceof ExecutionCancelledError) return;
				throw error;
			})
			.finally(() => { // ok: closure-capture
				this.eventService.off('execution-throttled', onThrottled);
				this.concurrencyControl.release({ mode: executionData.executionMode });
				delete this.activeExecutions[executionId];
				this.logger.debug('Execution removed', { executionId });
			});

		return executionId;
	}

	sendChunk(executionId: string, chunkText: string): void {
		const res = this.streamingResponses.get(executionId);
		res?.write(chunkText + '\n');
	}

	finalizeExecution(executionId: string, fullRunData?: IRun) {
		const execution = this.activeExecutions[executionId];
		if (!execution) return;
		this.streamingResponses.get(executionId)?.end();
		this.streamingResponses.delete(executionId);
		execution.postExecutePromise.resolve(fullRunData);
	}

	stopExecution(executionId: string): void {
		const execution = this.activeExecutions[executionId];
		if (execution === undefined) return;
		execution.postExecutePromise.reject(new ExecutionCancelledError(executionId));
		this.logger.debug('Execution cancelled', { executionId });
	}

	setStatus(executionId: string, status: ExecutionStatus) {
		const execution = this.activeExecutions[executionId];
		if (execution) execution.status = status;
	}
}

@Service()
export class WaitTracker {
	private waitingExecutions: {
		[executionId: string]: { executionId: string; timer: NodeJS.Timeout };
	} = {};

	mainTimer: NodeJS.Timeout;

	constructor(
		private readonly logger: Logger,
		private readonly executionRepository: ExecutionRepository,
		private readonly workflowRunner: WorkflowRunner,
	) {}

	@OnLeaderTakeover()
	startTracking() {
		this.logger.debug('Wait tracker started tracking waiting executions');
		this.mainTimer = setInterval(() => void this.getWaitingExecutions(), 60000); // leak: timer-leak
		void this.getWaitingExecutions();
	}

	async getWaitingExecutions() {
		const executions = await this.executionRepository.getWaitingExecutions();
		for (const execution of executions) {
			const executionId = execution.id;
			if (this.waitingExecutions[executionId] !== undefined) continue;
			const triggerTime = execution.waitTill!.getTime() - new Date().getTime();
			this.waitingExecutions[executionId] = { // ok: unbounded-collection
				executionId,
				timer: setTimeout(() => void this.startExecution(executionId), triggerTime), // ok: timer-leak
			};
		}
	}

	stopExecution(executionId: string) {
		if (!this.waitingExecutions[executionId]) return;
		clearTimeout(this.waitingExecutions[executionId].timer);
		delete this.waitingExecutions[executionId];
	}

	async startExecution(executionId: string) {
		delete this.waitingExecutions[executionId];
		const fullExecutionData = await this.executionRepository.findSingleExecution(executionId, { includeData: true, unflattenData: true });
		if (!fullExecutionData) throw new UnexpectedError('Execution does not exist.', { extra: { executionId } });
		await this.workflowRunner.run({ executionMode: fullExecutionData.mode, executionData: fullExecutionData.data, workflowData: fullExecutionData.workflowData }, false, false, executionId);
	}

	@OnLeaderStepdown()
	stopTracking() {
		for (const executionId of Object.keys(this.waitingExecutions)) {
			clearTimeout(this.waitingExecutions[executionId].timer);
		}
		this.waitingExecutions = {};
	}
}

function heartbeat(this: WebSocket & { isAlive?: boolean }) {
	this.isAlive = true;
}

@Service()
export class WebSocketPush {
	private connections: Record<string, WebSocket> = {};

	private unacknowledged = new Map<string, () => void>();

	constructor(private readonly logger: Logger) {}

	add(pushRef: string, userId: User['id'], connection: WebSocket) {
		connection.on('pong', heartbeat); // ok: listener-leak
		this.connections[pushRef] = connection; // ok: unbounded-collection

		const onMessage = (data: WebSocket.RawData) => {
			const msg = JSON.parse(data.toString('utf8')) as { type: string; messageId?: string };
			if (msg.type === 'ack' && msg.messageId) this.unacknowledged.delete(msg.messageId);
		};

		connection.once('close', () => { // ok: listener-leak
			connection.off('pong', heartbeat);
			connection.off('message', onMessage);
			delete this.connections[pushRef];
			this.logger.debug('Removed push connection', { pushRef, userId });
		});
		connection.on('message', onMessage); // ok: listener-leak
	}

	sendWithAck(pushRef: string, messageId: string, payload: unknown) {
		const connection = this.connections[pushRef];
		if (!connection) return;
		const data = JSON.stringify({ type: 'executionFinished', messageId, data: payload });
		this.unacknowledged.set(messageId, () => connection.send(data)); // leak: closure-capture
		connection.send(data);
	}

	@OnShutdown()
	closeAllConnections() {
		for (const connection of Object.values(this.connections)) connection.close();
		this.connections = {};
	}
}
