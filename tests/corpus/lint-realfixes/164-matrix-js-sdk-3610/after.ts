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

        // The wasm objects each keep the verification machine, and with it the crypto store,
        // alive until freed; the finalizers were not seen to run, so free them by hand.
        const userDevices: RustSdkCryptoJs.UserDevices = await this.olmMachine.getUserDevices(rustUserId);
        try {
            const deviceArray: RustSdkCryptoJs.Device[] = userDevices.devices();
            try {
                return new Map(
                    deviceArray.map((device) => [device.deviceId.toString(), rustDeviceToJsDevice(device, rustUserId)]),
                );
            } finally {
                deviceArray.forEach((d) => d.free());
            }
        } finally {
            userDevices.free();
        }
    }
}
