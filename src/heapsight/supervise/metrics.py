"""`heapsight run --serve`: watch's Prometheus exporter, one target per instance
(`<run name>/<instance number>`), plus the supervisor's own series."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prometheus_client import Gauge

from heapsight.monitor.exporter import Exporter, parse_serve_address
from heapsight.monitor.sources import Sample

if TYPE_CHECKING:
    from heapsight.supervise.instance import Instance
    from heapsight.supervise.supervisor import Supervisor

STATES = ("starting", "ready", "draining", "drained", "stopping", "errored")


class RunExporter(Exporter):
    def __init__(self, address: str) -> None:
        super().__init__(*parse_serve_address(address))
        self.restarts = Gauge("heapsight_instance_restarts", "Restarts of the instance by reason",
                              ["target", "reason"], registry=self.registry)
        self.connections = Gauge("heapsight_instance_connections",
                                 "Connections the balancer has open to the instance", ["target"],
                                 registry=self.registry)
        self.served = Gauge("heapsight_instance_requests_served",
                            "Requests the balancer sent to the current process of the instance",
                            ["target"], registry=self.registry)
        self.state = Gauge("heapsight_instance_state", "1 for the instance's current state",
                           ["target", "state"], registry=self.registry)

    def update_instance(self, supervisor: Supervisor, instance: Instance) -> None:
        target = f"{supervisor.options.name}/{instance.number}"
        sample = Sample(time.time(), heap_used=instance.heap_used, rss=instance.rss)
        result = dict(instance.trend)
        result["metric"] = "heap_used" if supervisor.options.max_heap is not None else "rss"
        self.update(target, sample, result)
        for reason, count in instance.slot.restarts.items():
            self.restarts.labels(target, reason).set(count)
        self.connections.labels(target).set(instance.connections)
        self.served.labels(target).set(instance.served)
        for state in STATES:
            self.state.labels(target, state).set(1.0 if instance.state == state else 0.0)
