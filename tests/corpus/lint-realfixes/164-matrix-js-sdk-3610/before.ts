import * as RustSdkCryptoJs from "@matrix-org/matrix-sdk-crypto-wasm";

import { TypedEventEmitter } from "../models/typed-event-emitter";
import { Device, DeviceMap } from "../models/device";
import { rustDeviceToJsDevice } from "./device-converter";

type RustCryptoEvents = "deviceListUpdated";
type RustCryptoEventMap = { deviceListUpdated: () => void };

/**
 * One RustCrypto per logged-in client; the OlmMachine (wasm) holds the crypto store.
 */
export class RustCrypto extends TypedEventEmitter<RustCryptoEvents, RustCryptoEventMap> {
    public constructor(private readonly olmMachine: RustSdkCryptoJs.OlmMachine) {
        super();
    }

    /**
     * Device information for the given users (asked by the app for every member list,
     * verification panel, encryption check ...).
     */
    public async getUserDeviceInfo(userIds: string[]): Promise<DeviceMap> {
        const deviceMapByUserId = new Map<string, Map<string, Device>>();
        const rustTrackedUsers: Set<RustSdkCryptoJs.UserId> = await this.olmMachine.trackedUsers();

        const trackedUsers = new Set<string>();
        rustTrackedUsers.forEach((rustUserId) => trackedUsers.add(rustUserId.toString()));

        for (const userId of userIds) {
            if (trackedUsers.has(userId)) {
                deviceMapByUserId.set(userId, await this.getUserDevices(userId));
            }
        }
        return deviceMapByUserId;
    }

    private async getUserDevices(userId: string): Promise<Map<string, Device>> {
        const rustUserId = new RustSdkCryptoJs.UserId(userId);
        const devices: RustSdkCryptoJs.UserDevices = await this.olmMachine.getUserDevices(rustUserId); // leak: resource-per-request
        return new Map(
            devices
                .devices()
                .map((device: RustSdkCryptoJs.Device) => [
                    device.deviceId.toString(),
                    rustDeviceToJsDevice(device, rustUserId),
                ]),
        );
    }
}
