import type {
  API,
  Characteristic,
  CharacteristicValue,
  DynamicPlatformPlugin,
  Logging,
  PlatformAccessory,
  PlatformConfig,
  Service,
} from 'homebridge';

import { CloudClient, DeviceStatus, DeviceInfo } from './cloudClient.js';
import { PLATFORM_NAME, PLUGIN_NAME } from './settings.js';

interface PlugContext {
  device: DeviceInfo;
}

/**
 * SmartPlugPlatform
 * Discovers plugs from the vendor cloud, restores cached accessories, and polls their state.
 */
export class SmartPlugPlatform implements DynamicPlatformPlugin {
  public readonly Service: typeof Service;
  public readonly Characteristic: typeof Characteristic;

  // restored cached accessories, keyed by UUID
  public readonly accessories: Map<string, PlatformAccessory<PlugContext>> = new Map();
  public readonly discoveredCacheUUIDs: string[] = [];
  private readonly handlers: Map<string, SmartPlugAccessory> = new Map();
  public readonly cloud: CloudClient;
  private discoveryTimer?: NodeJS.Timeout;

  constructor(
    public readonly log: Logging,
    public readonly config: PlatformConfig,
    public readonly api: API,
  ) {
    this.Service = api.hap.Service;
    this.Characteristic = api.hap.Characteristic;
    this.cloud = new CloudClient(config.username, config.password, { region: config.region ?? 'eu' }); // ok: resource-per-request

    this.log.debug('Finished initializing platform:', this.config.name);

    this.api.on('didFinishLaunching', () => { // ok: listener-leak
      log.debug('Executed didFinishLaunching callback');
      this.discoverDevices().catch((e) => this.log.error('discovery failed', e));
      const minutes = Math.max(5, Number(this.config.discoveryMinutes ?? 10));
      this.discoveryTimer = setInterval(() => { // ok: timer-leak
        this.discoverDevices().catch((e) => this.log.error('rediscovery failed', e));
      }, minutes * 60 * 1000);
    });

    this.api.on('shutdown', () => { // ok: listener-leak
      if (this.discoveryTimer) clearInterval(this.discoveryTimer);
      for (const handler of this.handlers.values()) handler.stop();
      this.cloud.close();
    });
  }

  /**
   * Called once for every cached accessory restored from disk at startup.
   */
  configureAccessory(accessory: PlatformAccessory<PlugContext>) {
    this.log.info('Loading accessory from cache:', accessory.displayName);
    this.accessories.set(accessory.UUID, accessory); // ok: unbounded-collection
  }

  async discoverDevices() {
    const devices = await this.cloud.listDevices();

    for (const device of devices) {
      const uuid = this.api.hap.uuid.generate(device.id);
      const existingAccessory = this.accessories.get(uuid);

      if (existingAccessory) {
        this.log.debug('Restoring existing accessory from cache:', existingAccessory.displayName);
        existingAccessory.context.device = device;
        this.api.updatePlatformAccessories([existingAccessory]);
        if (!this.handlers.has(uuid)) {
          this.handlers.set(uuid, new SmartPlugAccessory(this, existingAccessory)); // ok: unbounded-collection
        }
      } else {
        this.log.info('Adding new accessory:', device.name);
        const accessory = new this.api.platformAccessory<PlugContext>(device.name, uuid);
        accessory.context.device = device;
        this.handlers.set(uuid, new SmartPlugAccessory(this, accessory)); // ok: unbounded-collection
        this.api.registerPlatformAccessories(PLUGIN_NAME, PLATFORM_NAME, [accessory]);
        this.accessories.set(uuid, accessory); // ok: unbounded-collection
      }

      // runs again on every rediscovery and is never reset
      this.discoveredCacheUUIDs.push(uuid); // leak: unbounded-collection
    }

    for (const [uuid, accessory] of this.accessories) {
      if (!this.discoveredCacheUUIDs.includes(uuid)) {
        this.log.info('Removing existing accessory from cache:', accessory.displayName);
        this.handlers.get(uuid)?.stop();
        this.handlers.delete(uuid);
        this.api.unregisterPlatformAccessories(PLUGIN_NAME, PLATFORM_NAME, [accessory]);
        this.accessories.delete(uuid);
      }
    }
  }
}

/**
 * One handler per plug; made once per accessory by the platform.
 */
export class SmartPlugAccessory {
  private service: Service;
  private state: DeviceStatus = { on: false, watts: 0 };
  private pollTimer: NodeJS.Timeout;
  private setDebounce?: NodeJS.Timeout;
  private undoLast: () => Promise<void> = async () => undefined;
  private refreshCount = 0;

  constructor(
    private readonly platform: SmartPlugPlatform,
    private readonly accessory: PlatformAccessory<PlugContext>,
  ) {
    const { Service, Characteristic } = this.platform;
    this.accessory.getService(Service.AccessoryInformation)!
      .setCharacteristic(Characteristic.Manufacturer, 'Vendor')
      .setCharacteristic(Characteristic.Model, accessory.context.device.model)
      .setCharacteristic(Characteristic.SerialNumber, accessory.context.device.id);

    this.service = this.accessory.getService(Service.Outlet) || this.accessory.addService(Service.Outlet);
    this.service.setCharacteristic(Characteristic.Name, accessory.context.device.name);

    this.service.getCharacteristic(Characteristic.On)
      .onSet(this.setOn.bind(this)) // ok: listener-leak
      .onGet(this.getOn.bind(this)); // ok: listener-leak

    this.pollTimer = setInterval(() => this.refresh(), 15_000); // ok: timer-leak
  }

  stop() {
    clearInterval(this.pollTimer);
    if (this.setDebounce) clearTimeout(this.setDebounce);
  }

  async setOn(value: CharacteristicValue) {
    const previous = { ...this.state };
    const snapshot = await this.platform.cloud.getFullStatus(this.accessory.context.device.id);
    this.state.on = value as boolean;
    if (this.setDebounce) clearTimeout(this.setDebounce);
    this.setDebounce = setTimeout(() => { // ok: timer-leak
      this.platform.cloud.setPower(this.accessory.context.device.id, this.state.on)
        .catch((e) => this.platform.log.error('set failed', e));
    }, 300);

    // undo restores the last state; each set wraps the previous undo with the full status snapshot
    const olderUndo = this.undoLast;
    this.undoLast = async () => { // leak: closure-capture
      await this.platform.cloud.restore(this.accessory.context.device.id, previous, snapshot);
      await olderUndo();
    };
    this.platform.log.debug('Set Characteristic On ->', value);
  }

  async getOn(): Promise<CharacteristicValue> {
    return this.state.on;
  }

  private async refresh() {
    try {
      this.state = await this.platform.cloud.getStatus(this.accessory.context.device.id);
      this.service.updateCharacteristic(this.platform.Characteristic.On, this.state.on);
      this.refreshCount += 1;
      // legacy HAP: report power-in-use through the event API, once more on every poll
      this.service.getCharacteristic(this.platform.Characteristic.OutletInUse).on('get', (callback) => { // leak: listener-leak
        callback(null, this.state.watts > 0.5);
      });
    } catch (e) {
      this.platform.log.warn('poll failed for', this.accessory.displayName, e);
    }
  }
}
