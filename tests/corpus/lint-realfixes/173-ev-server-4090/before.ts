// Utils.executePromiseWithTimeout (src/utils/Utils.ts) and one of its callers, the
// offline charging station task (src/scheduler/tasks/CheckOfflineChargingStationsTask.ts).
import ChargingStationStorage from '../../storage/mongodb/ChargingStationStorage';
import OCPPCommon from '../../server/ocpp/utils/OCPPCommon';
import { OCPPGetConfigurationResponse } from '../../types/ocpp/OCPPClient';
import Tenant from '../../types/Tenant';
import TenantSchedulerTask from '../TenantSchedulerTask';
import moment from 'moment';

export class Utils {
  public static async executePromiseWithTimeout<T>(timeoutMs: number, promise: Promise<T>, failureMessage: string): Promise<T> {
    let timeoutHandle: NodeJS.Timeout;
    const timeoutPromise = new Promise<never>((resolve, reject) => {
      timeoutHandle = setTimeout(() => reject(new Error(failureMessage)), timeoutMs); // leak: timer-leak
    });
    return Promise.race([
      promise,
      timeoutPromise,
    ]).then((result) => {
      clearTimeout(timeoutHandle);
      return result;
    });
  }

  public static isEmptyArray(value: unknown[]): boolean {
    return !Array.isArray(value) || value.length === 0;
  }
}

// runs for every tenant at every scheduler tick
export default class CheckOfflineChargingStationsTask extends TenantSchedulerTask {
  public async processTenant(tenant: Tenant, config: { maxLastSeenIntervalSecs: number }): Promise<void> {
    const offlineSince = moment().subtract(config.maxLastSeenIntervalSecs, 'seconds').toDate();
    const chargingStations = await ChargingStationStorage.getChargingStations(tenant, { issuer: true, offlineSince });
    if (!Utils.isEmptyArray(chargingStations.result)) {
      for (let i = chargingStations.result.length - 1; i >= 0; i--) {
        const chargingStation = chargingStations.result[i];
        let ocppHeartbeatConfiguration: OCPPGetConfigurationResponse;
        try {
          ocppHeartbeatConfiguration = await Utils.executePromiseWithTimeout(
            5000, OCPPCommon.requestChargingStationOcppParameters(tenant, chargingStation, { key: ['HeartbeatInterval'] }),
            `Time out error (5s) when trying to get OCPP configuration from '${chargingStation.id}'`
          );
        } catch (error) {
          // the station did not answer: it is offline
          continue;
        }
        if (ocppHeartbeatConfiguration) {
          await ChargingStationStorage.saveChargingStationRuntimeData(tenant, chargingStation.id, { lastSeen: new Date() });
          chargingStations.result.splice(i, 1);
        }
      }
    }
  }
}
