"""A Prometheus exporter for a watch: the observed memory, the trend and the verdict per target.

Served by prometheus_client's own HTTP server from a private registry (so the exporter shows only
heapsight's series, not the Python process's), on the address `--serve` names.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Gauge, start_http_server

from heapsight.errors import HeapsightError, UsageError
from heapsight.monitor.sources import METRICS, Sample

DEFAULT_ADDRESS = "127.0.0.1:9464"  # 9464: the port the OpenTelemetry Prometheus exporter uses


def parse_serve_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` or `PORT` (loopback) -> (host, port)."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) < 65536:
        raise UsageError(f"--serve expects HOST:PORT such as {DEFAULT_ADDRESS}, not {text!r}")
    return host, int(port)


class Exporter:
    """Gauges labelled by target; `update()` after every new sample and verdict."""

    def __init__(self, host: str, port: int) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.memory = Gauge("heapsight_memory_bytes", "Latest observed memory of the target",
                            ["target", "metric"], registry=self.registry)
        self.slope = Gauge("heapsight_memory_slope_bytes_per_hour",
                           "Trend of the post-GC lows of the judged metric (Theil-Sen)",
                           ["target", "metric"], registry=self.registry)
        self.leak = Gauge("heapsight_leak_suspected",
                          "1 when the watch's verdict is leak, else 0", ["target"],
                          registry=self.registry)
        self.confidence = Gauge("heapsight_leak_confidence",
                                "1 - p-value of the Mann-Kendall test for growth", ["target"],
                                registry=self.registry)
        self.time_to_limit = Gauge("heapsight_time_to_limit_seconds",
                                   "Projected time until the memory limit (NaN when not leaking)",
                                   ["target"], registry=self.registry)
        self.samples = Gauge("heapsight_samples", "Samples the verdict is based on", ["target"],
                             registry=self.registry)
        try:
            self._server, self._thread = start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:
            raise HeapsightError(f"cannot serve metrics on {host}:{port} ({exc.strerror}); "
                                 "choose another --serve address") from None
        self.host = host
        self.port = int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def update(self, target: str, sample: Sample | None, result: dict[str, Any]) -> None:
        if sample is not None:
            for metric in METRICS:
                value = getattr(sample, metric)
                if value is not None:
                    self.memory.labels(target, metric).set(value)
        metric = str(result.get("metric", ""))
        self.slope.labels(target, metric).set(float(result.get("slope_bytes_per_hour") or 0.0))
        self.leak.labels(target).set(1.0 if result.get("verdict") == "leak" else 0.0)
        self.confidence.labels(target).set(float(result.get("confidence") or 0.0))
        remaining = result.get("time_to_limit_seconds")
        self.time_to_limit.labels(target).set(float("nan") if remaining is None else remaining)
        self.samples.labels(target).set(float(result.get("samples") or 0))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
