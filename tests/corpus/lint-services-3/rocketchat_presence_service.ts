import { setInterval, clearInterval, setTimeout, clearTimeout } from 'node:timers';

import type { IPresence, IBrokerNode } from '@rocket.chat/core-services';
import { License, ServiceClass, Settings } from '@rocket.chat/core-services';
import type { IUser } from '@rocket.chat/core-typings';
import { UserStatus } from '@rocket.chat/core-typings';
import { Logger } from '@rocket.chat/logger';
import { Users, UsersSessions } from '@rocket.chat/models';

import { processPresenceAndStatus } from './lib/processConnectionStatus';

const logger = new Logger('Presence');

const MAX_CONNECTIONS = 200;

type StatusChange = { uid: string; status: UserStatus; at: Date };

export class Presence extends ServiceClass implements IPresence {
	protected name = 'presence';

	private broadcastEnabled = true;

	private hasLicense = false;

	private lostConTimeout?: NodeJS.Timeout;

	private availabilityTimer?: NodeJS.Timeout;

	private connsPerInstance = new Map<string, number>();

	private statusChanges: StatusChange[] = [];

	private heldBroadcasts: Array<() => void> = [];

	constructor() {
		super();

		this.onEvent('watch.instanceStatus', async ({ clientAction, id, diff }): Promise<void> => { // ok: listener-leak
			if (clientAction === 'removed') {
				this.connsPerInstance.delete(id);
				const affectedUsers = await this.removeLostConnections(id);
				affectedUsers.forEach((uid) => this.updateUserPresence(uid));
				return;
			}
			if (diff && 'extraInformation.conns' in diff) {
				this.connsPerInstance.set(id, diff['extraInformation.conns']); // ok: unbounded-collection
				void this.validateAvailability();
			}
		});

		this.onEvent('license.module', async ({ module, valid }) => { // ok: listener-leak
			if (module === 'scalability') {
				this.hasLicense = valid;
				if (valid && !this.broadcastEnabled) {
					await this.toggleBroadcast(true);
				}
			}
		});
	}

	async onNodeDisconnected({ node }: { node: IBrokerNode }): Promise<void> {
		const affectedUsers = await this.removeLostConnections(node.id);
		return affectedUsers.forEach((uid) => this.updateUserPresence(uid));
	}

	override async started(): Promise<void> {
		this.lostConTimeout = setTimeout(async () => { // ok: timer-leak
			const affectedUsers = await this.removeLostConnections();
			return affectedUsers.forEach((uid) => this.updateUserPresence(uid));
		}, 10000);

		try {
			await Settings.updateValueById('Presence_broadcast_disabled', false);
			this.hasLicense = await License.hasModule('scalability');
		} catch (e: unknown) {
			// ignore
		}
	}

	override async stopped(): Promise<void> {
		clearTimeout(this.lostConTimeout);
		clearInterval(this.availabilityTimer);
	}

	async toggleBroadcast(enabled: boolean): Promise<void> {
		if (!this.hasLicense && this.getTotalConnections() > MAX_CONNECTIONS) {
			throw new Error('Cannot enable broadcast when there are more than 200 connections');
		}
		this.broadcastEnabled = enabled;
		if (enabled) {
			const held = this.heldBroadcasts;
			this.heldBroadcasts = [];
			held.forEach((send) => send());
			return;
		}
		this.availabilityTimer = setInterval(() => void this.validateAvailability(), 60 * 1000); // leak: timer-leak
	}

	async newConnection(uid: string | undefined, session: string | undefined, nodeId: string): Promise<{ uid: string; connectionId: string } | undefined> {
		if (!uid || !session) {
			return;
		}
		await UsersSessions.addConnectionById(uid, { id: session, instanceId: nodeId, status: UserStatus.ONLINE });
		License.onValidateLicense(async () => { // leak: listener-leak
			await this.updateUserPresence(uid);
		});
		await this.updateUserPresence(uid);
		return { uid, connectionId: session };
	}

	async removeConnection(uid: string | undefined, session: string | undefined): Promise<{ uid: string; session: string } | undefined> {
		if (!uid || !session) {
			return;
		}
		await UsersSessions.removeConnectionByConnectionId(session);
		await this.updateUserPresence(uid);
		return { uid, session };
	}

	async removeLostConnections(nodeID?: string): Promise<string[]> {
		if (nodeID) {
			const affectedUsers = await UsersSessions.findByInstanceId(nodeID).toArray();
			const { modifiedCount } = await UsersSessions.removeConnectionsFromInstanceId(nodeID);
			return modifiedCount === 0 ? [] : affectedUsers.map(({ _id }) => _id);
		}
		const nodes = (await this.api?.nodeList()) || [];
		const ids = nodes.filter((node) => node.available).map(({ id }) => id);
		if (ids.length === 0) {
			return [];
		}
		const affectedUsers = await UsersSessions.findByOtherInstanceIds(ids, { projection: { _id: 1 } }).toArray();
		const { modifiedCount } = await UsersSessions.removeConnectionsFromOtherInstanceIds(ids);
		return modifiedCount === 0 ? [] : affectedUsers.map(({ _id }) => _id);
	}

	async updateUserPresence(uid: string): Promise<void> {
		const user = await Users.findOneById<Pick<IUser, 'username' | 'statusDefault' | 'statusText' | 'roles' | 'status'>>(uid, {
			projection: { username: 1, statusDefault: 1, statusText: 1, roles: 1, status: 1 },
		});
		if (!user) {
			return;
		}
		const userSessions = (await UsersSessions.findOneById(uid)) || { connections: [] };
		const { status, statusConnection } = processPresenceAndStatus(userSessions.connections, user.statusDefault);
		const result = await Users.updateStatusById(uid, { statusDefault: user.statusDefault, status, statusConnection, statusText: user.statusText });
		if (result.modifiedCount > 0) {
			this.statusChanges.push({ uid, status, at: new Date() }); // ok: unbounded-collection
			if (this.statusChanges.length > 1000) {
				this.statusChanges.splice(0, this.statusChanges.length - 1000);
			}
			this.broadcast({ _id: uid, username: user.username, status, statusText: user.statusText, roles: user.roles }, user.status);
		}
	}

	private broadcast(user: Pick<IUser, '_id' | 'username' | 'status' | 'statusText' | 'roles'>, previousStatus: UserStatus | undefined): void {
		if (!this.broadcastEnabled) {
			this.heldBroadcasts.push(() => void this.api?.broadcast('presence.status', { user, previousStatus })); // leak: closure-capture, unbounded-collection
			return;
		}
		void this.api?.broadcast('presence.status', { user, previousStatus });
	}

	private async validateAvailability(): Promise<void> {
		if (this.hasLicense) {
			return;
		}
		if (this.getTotalConnections() > MAX_CONNECTIONS) {
			this.broadcastEnabled = false;
			await Settings.updateValueById('Presence_broadcast_disabled', true);
			logger.warn('Presence broadcast disabled: too many connections');
		}
	}

	private getTotalConnections(): number {
		return Array.from(this.connsPerInstance.values()).reduce((acc, conns) => acc + conns, 0);
	}

	getStatusChangesSince(since: Date): StatusChange[] {
		return this.statusChanges.filter((change) => change.at >= since);
	}
}
