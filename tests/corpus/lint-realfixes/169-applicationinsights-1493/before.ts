// AutoCollectExceptions (src/logs/exceptions.ts) and useAzureMonitor (src/main.ts), in one file.
import { useAzureMonitor as distroUseAzureMonitor, shutdownAzureMonitor as distroShutdownAzureMonitor } from "@azure/monitor-opentelemetry";
import { logs } from "@opentelemetry/api-logs";
import { LoggerProvider } from "@opentelemetry/sdk-logs";
import { LogApi } from "./shim/logsApi";
import { ApplicationInsightsConfig } from "./shared/configuration/config";
import { AzureMonitorOpenTelemetryOptions } from "./types";

type ExceptionHandle = "uncaughtExceptionMonitor" | "uncaughtException" | "unhandledRejection";
const UNCAUGHT_EXCEPTION_HANDLER_NAME: ExceptionHandle = "uncaughtException";
const UNHANDLED_REJECTION_HANDLER_NAME: ExceptionHandle = "unhandledRejection";

export class AutoCollectExceptions {
    private _exceptionListenerHandle?: (error: Error | undefined) => void;
    private _rejectionListenerHandle?: (error: Error | undefined) => void;
    private _client: LogApi;

    constructor(client: LogApi) {
        this._client = client;
        this._exceptionListenerHandle = this._handleException.bind(this, true, UNCAUGHT_EXCEPTION_HANDLER_NAME);
        this._rejectionListenerHandle = this._handleException.bind(this, false, UNHANDLED_REJECTION_HANDLER_NAME);
        (<any>process).on(UNCAUGHT_EXCEPTION_HANDLER_NAME, this._exceptionListenerHandle);
        (<any>process).on(UNHANDLED_REJECTION_HANDLER_NAME, this._rejectionListenerHandle);
    }

    public shutdown() {
        if (this._exceptionListenerHandle) {
            process.removeListener(UNCAUGHT_EXCEPTION_HANDLER_NAME, this._exceptionListenerHandle);
        }
        if (this._rejectionListenerHandle) {
            process.removeListener(UNHANDLED_REJECTION_HANDLER_NAME, this._rejectionListenerHandle);
        }
        this._exceptionListenerHandle = undefined;
        this._rejectionListenerHandle = undefined;
    }

    private _handleException(reThrow: boolean, name: ExceptionHandle, error: Error | undefined = new Error("rejected without an error")) {
        this._client.trackException({ exception: error });
        (logs.getLoggerProvider() as LoggerProvider).forceFlush().then(() => {
            // rethrow only when we are the only listener
            if (reThrow && process.listeners(name as any).length === 1) {
                console.error(error);
                process.exit(1);
            }
        });
    }
}

let exceptions: AutoCollectExceptions;

/**
 * Initialize Azure Monitor (called again by apps that reconfigure telemetry)
 */
export function useAzureMonitor(options?: AzureMonitorOpenTelemetryOptions) {
    const internalConfig = new ApplicationInsightsConfig(options);
    if (!options) {
        options = {};
    }

    distroUseAzureMonitor(options);
    const logApi = new LogApi(logs.getLogger("ApplicationInsightsLogger"));
    if (internalConfig.enableAutoCollectExceptions) {
        exceptions = new AutoCollectExceptions(logApi); // leak: listener-leak
    }
}

export async function shutdownAzureMonitor() {
    await distroShutdownAzureMonitor();
    exceptions?.shutdown();
}
