import bind from "bind-decorator";
import debounce from "debounce";
import type * as zh from "zigbee-herdsman/dist/controller/model";

import logger from "../util/logger";
import * as settings from "../util/settings";
import utils from "../util/utils";
import Extension from "./extension";

// OTA update / availability-style extension after zigbee2mqtt's lib/extension/*.ts: one instance is made
// by the Controller at start-up, start() registers on the EventBus keyed by `this`, stop() calls
// super.stop() which does eventBus.removeListeners(this).

const TOPIC_REGEX = new RegExp(`^${settings.get().mqtt.base_topic}/bridge/request/device/ota_update/(check|update)`, "i");
const MAX_HISTORY = 50;

interface OtaRecord {
    ieee: string;
    at: number;
    result: string;
    payload: KeyValue;
}

export default class OTAUpdate extends Extension {
    /** Mapped by IEEE address */
    private readonly inProgress = new Set<string>();
    /** Mapped by IEEE address */
    private readonly lastChecked = new Map<string, number>();
    /** Mapped by IEEE address */
    private readonly retryTimers = new Map<string, NodeJS.Timeout>();
    private readonly progressDebouncers = new Map<string, (p: number) => void>();
    private readonly history: OtaRecord[] = [];
    private readonly requestLog: OtaRecord[] = [];
    private readonly pollers = new Map<string, NodeJS.Timeout>();
    private onUpdateFinished: (ieee: string) => void = () => {};
    private scheduledCheck: NodeJS.Timeout | undefined;
    private stopped = false;

    override async start(): Promise<void> {
        this.eventBus.onMQTTMessage(this, this.onMQTTMessage); // ok: listener-leak
        this.eventBus.onDeviceMessage(this, this.onZigbeeEvent); // ok: listener-leak
        this.eventBus.onEntityRemoved(this, (data) => data.entity.isDevice() && this.forget(data.entity.ieeeAddr)); // ok: listener-leak
        this.eventBus.onDeviceLeave(this, (data) => this.forget(data.ieeeAddr)); // ok: listener-leak

        const interval = settings.get().ota.update_check_interval;
        this.scheduledCheck = setInterval(() => this.checkAllPassive().catch(utils.noop), utils.minutes(interval)); // ok: timer-leak

        for (const device of this.zigbee.devicesIterator(utils.deviceNotCoordinator)) {
            if (device.definition?.ota && this.isPolled(device)) {
                this.startPolling(device);
            }
        }
    }

    override async stop(): Promise<void> {
        this.stopped = true;
        clearInterval(this.scheduledCheck);
        for (const [, t] of this.retryTimers) clearTimeout(t);
        this.retryTimers.clear();
        for (const [, t] of this.pollers) clearInterval(t);
        this.pollers.clear();
        await super.stop();
    }

    private isPolled(device: Device): boolean {
        return device.options.ota_poll === true && device.zh.powerSource !== "Battery";
    }

    private startPolling(device: Device): void {
        clearInterval(this.pollers.get(device.ieeeAddr));
        this.pollers.set( // ok: unbounded-collection
            device.ieeeAddr,
            setInterval(() => this.check(device, "poll").catch(utils.noop), utils.hours(device.options.ota_poll_hours ?? 24)), // ok: timer-leak
        );
    }

    private forget(ieeeAddr: string): void {
        clearTimeout(this.retryTimers.get(ieeeAddr));
        this.retryTimers.delete(ieeeAddr);
        clearInterval(this.pollers.get(ieeeAddr));
        this.pollers.delete(ieeeAddr);
        this.lastChecked.delete(ieeeAddr);
        this.progressDebouncers.delete(ieeeAddr);
        this.inProgress.delete(ieeeAddr);
    }

    private record(ieee: string, result: string, payload: KeyValue): void {
        this.history.push({ieee, at: Date.now(), result, payload}); // ok: unbounded-collection
        if (this.history.length > MAX_HISTORY) {
            this.history.shift();
        }
    }

    @bind private async onZigbeeEvent(data: eventdata.DeviceMessage): Promise<void> {
        if (data.type !== "commandQueryNextImageRequest" || !data.device.definition?.ota) return;
        const device = data.device;
        this.lastChecked.set(device.ieeeAddr, Date.now()); // ok: unbounded-cache

        if (this.inProgress.has(device.ieeeAddr)) return;
        this.inProgress.add(device.ieeeAddr); // ok: unbounded-collection
        try {
            const available = await device.definition.ota.isUpdateAvailable(device.zh, logger, data.data as KeyValue);
            await this.publishEntityState(device, {update: {state: available.available ? "available" : "idle"}});
        } catch (e) {
            logger.debug(`Failed to check if update available for '${device.name}' (${(e as Error).message})`);
        } finally {
            this.inProgress.delete(device.ieeeAddr);
        }
    }

    private async checkAllPassive(): Promise<void> {
        for (const device of this.zigbee.devicesIterator(utils.deviceNotCoordinator)) {
            if (this.stopped) return;
            if (device.definition?.ota && !this.isPolled(device)) {
                await this.check(device, "scheduled");
            }
        }
    }

    private async check(device: Device, reason: string): Promise<boolean> {
        const result = await device.definition!.ota!.isUpdateAvailable(device.zh, logger, undefined);
        this.record(device.ieeeAddr, reason, {available: result.available});
        if (!result.available && !this.stopped) {
            clearTimeout(this.retryTimers.get(device.ieeeAddr));
            this.retryTimers.set(device.ieeeAddr, setTimeout(() => this.retryTimers.delete(device.ieeeAddr), utils.hours(1))); // ok: timer-leak
        }
        return result.available;
    }

    private progressFor(device: Device): (p: number) => void {
        let fn = this.progressDebouncers.get(device.ieeeAddr);
        if (!fn) {
            fn = debounce((progress: number) => {
                this.publishEntityState(device, {update: {state: "updating", progress}}).catch(utils.noop);
            }, utils.seconds(5));
            this.progressDebouncers.set(device.ieeeAddr, fn); // ok: unbounded-cache
        }
        return fn;
    }

    private async update(device: Device, message: KeyValue): Promise<void> {
        const ieee = device.ieeeAddr;
        const previousDone = this.onUpdateFinished;
        this.onUpdateFinished = (done: string) => { // leak: closure-capture
            previousDone(done);
            if (done === ieee) logger.info(`Finished update of '${device.name}' (${JSON.stringify(message)})`);
        };

        // wait for the device to come back after the image is applied
        this.eventBus.onLastSeenChanged(this, (data) => { // leak: listener-leak
            if (data.device.ieeeAddr === ieee) {
                this.onUpdateFinished(ieee);
            }
        });

        const onProgress = this.progressFor(device);
        const from = device.zh.softwareBuildID;
        await device.definition!.ota!.updateToLatest(device.zh, logger, onProgress);
        this.record(ieee, "updated", {from, to: device.zh.softwareBuildID});
    }

    @bind private async onMQTTMessage(data: eventdata.MQTTMessage): Promise<void> {
        const match = data.topic.match(TOPIC_REGEX);
        if (!match) return;

        const message = utils.parseJSON(data.message, data.message);
        const id = typeof message === "object" && message.id !== undefined ? message.id : message;
        const device = this.zigbee.resolveEntity(id);
        const type = match[1];
        const response: KeyValue = {id};

        this.requestLog.push({ieee: String(id), at: Date.now(), result: type, payload: message}); // leak: unbounded-collection

        if (!device || !(device instanceof Device)) {
            await this.mqtt.publish(`bridge/response/device/ota_update/${type}`, JSON.stringify({...response, status: "error"}));
            return;
        }
        if (!device.definition?.ota) {
            await this.mqtt.publish(`bridge/response/device/ota_update/${type}`, JSON.stringify({...response, status: "error", error: "not supported"}));
            return;
        }

        if (this.isPolled(device) && !this.pollers.has(device.ieeeAddr)) {
            this.startPolling(device);
        }

        // watchdog for the request: device must answer within the configured time
        const watchdog = setInterval(() => { // leak: timer-leak
            logger.warning(`Device '${device.name}' still busy with OTA ${type}`);
        }, utils.minutes(settings.get().ota.ota_timeout ?? 5));

        try {
            if (type === "check") {
                response.updateAvailable = await this.check(device, "request");
            } else {
                await this.update(device, message as KeyValue);
            }
            await this.mqtt.publish(`bridge/response/device/ota_update/${type}`, JSON.stringify({...response, status: "ok"}));
        } catch (e) {
            logger.error(`OTA ${type} of '${device.name}' failed (${(e as Error).message})`);
            clearInterval(watchdog);
            await this.mqtt.publish(`bridge/response/device/ota_update/${type}`, JSON.stringify({...response, status: "error"}));
        }
    }

    // kept for the frontend: devices that answered a check recently
    public recentlyChecked(): string[] {
        const since = Date.now() - utils.hours(1);
        const result: string[] = []; // ok: unbounded-collection
        for (const [ieee, at] of this.lastChecked) if (at > since) result.push(ieee);
        return result;
    }
}

export type {zh};
