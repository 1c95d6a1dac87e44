"""`heapsight run`: keep a Node.js service up while its leak is hunted.

config.py (options and heapsight.toml), instance.py (one process group and its state),
balancer.py (the public port: least connections, request-aware drain), limits.py (memory over a
window, crash backoff), supervisor.py (starts, restarts, crashes, drain, shutdown), control.py
(the 0600 control socket, /ready/N), events.py (JSON lines + SQLite history), heap.py (the
inspector on demand), debug.py (`ctl debug`), metrics.py (`--serve`).
"""
