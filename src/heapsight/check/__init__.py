"""`heapsight check`: leak tests for CI that do not flake (scenario harness, verdict, outputs)."""
