from heapsight.cli.main import entry

entry()
