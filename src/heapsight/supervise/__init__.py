"""`heapsight run`: keep a Node.js service up while its leak is hunted.

instance.py (one process group and its state), balancer.py (the public port, least connections,
request-aware drain), limits.py (memory over a window), supervisor.py (restarts, crashes,
shutdown), control.py (the 0600 control socket), events.py (JSON lines + SQLite history),
config.py (options and heapsight.toml).
"""
