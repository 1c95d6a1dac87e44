"""Memory time series of Node.js services: sources, trend verdicts, history and a Prometheus exporter.

sources -> Sample stream -> trend.assess() -> WatchResult -> (store, exporter, report)
"""
