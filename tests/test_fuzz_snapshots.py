"""Seeded, bounded fuzzing of every snapshot command with mutants of real snapshots.

Three snapshots of one leaking node process are written by the test; each mutant (a truncation,
a flipped digit, an absurd count, a bad escape, non-UTF-8, broken gzip, ...) goes through one
snapshot command in its own subprocess with a timeout. Each run must end with a result (exit 0
or 3) or with exit 1 or 2 and one line naming the file: never a traceback, a signal, a hang or an
"unexpected" error.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

NODE = shutil.which("node")
pytestmark = [pytest.mark.skipif(NODE is None, reason="node is not installed"),
              pytest.mark.timeout(600)]

SEED = int(os.environ.get("HEAPSIGHT_FUZZ_SEED", "20261128"))
MUTANTS = int(os.environ.get("HEAPSIGHT_FUZZ_MUTANTS", "120"))  # more: set the variable
RUN_TIMEOUT = 90  # seconds; a run that takes longer is a hang

PROGRAM = r"""
const v8 = require('v8');
class Entry { constructor(i) { this.i = i; this.note = 'entry "' + i + '" \u00e9\u4e2d'; } }
globalThis.log = [];
for (const name of ['s1', 's2', 's3']) {
  for (let i = 0; i < 400; i++) log.push(new Entry(i));
  v8.writeHeapSnapshot(name + '.heapsnapshot');
}
"""

Mutation = Callable[[random.Random, bytes], bytes]


def _section(data: bytes, name: bytes) -> tuple[int, int]:
    start = data.index(b'"' + name + b'":')
    return start, data.index(b"]", start)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data))]


def flip_digit(rng: random.Random, data: bytes) -> bytes:
    start, end = _section(data, rng.choice([b"nodes", b"edges"]))
    for _ in range(100):
        at = rng.randrange(start, end)
        if data[at:at + 1].isdigit():
            return data[:at] + str(rng.randrange(10)).encode() + data[at + 1:]
    return data


def huge_number(rng: random.Random, data: bytes) -> bytes:
    start, end = _section(data, rng.choice([b"nodes", b"edges", b"locations"]))
    at = data.index(b",", rng.randrange(start, end - 2)) + 1
    value = rng.choice([b"4294967296", b"999999999999", b"18446744073709551616", b"-1",
                        b"1e3", b"0.5", b"99999999999999999999999999"])
    return data[:at] + value + data[at:].lstrip(b"0123456789")


def absurd_count(rng: random.Random, data: bytes) -> bytes:
    key = rng.choice([b"node_count", b"edge_count", b"trace_function_count"])
    value = rng.choice([b"0", b"1", b"-1", b"1000000000000", b"1000000000000000", b"1e3",
                        b'"many"', b"null", b"2.5", b"99999999999999999999999"])
    return re.sub(rb'"' + key + rb'":-?\d+', b'"' + key + b'":' + value, data, count=1)


def bad_string(rng: random.Random, data: bytes) -> bytes:
    start = data.index(b'"strings":')
    at = data.index(b'"', rng.randrange(start + 12, len(data) - 10)) + 1
    junk = rng.choice([b"\\u12", b"\\x41", b"\\", b"\xff\xfe", b"\xc3", b"\x00", b"\\ud800",
                       b'"', b"\n"])
    return data[:at] + junk + data[at:]


def structure(rng: random.Random, data: bytes) -> bytes:
    positions = [m.start() for m in re.finditer(rb"[\[\]{}:]", data[:4096])]
    positions += [data.index(b"]", data.index(b'"nodes":')), data.index(b'"edges":') + 8,
                  data.index(b'"strings":') + 10, len(data) - 1]
    at = rng.choice(positions)
    return data[:at] + rng.choice([b"", b",", b"[", b"}", b'"x"', b"]"]) + data[at + 1:]


def meta(rng: random.Random, data: bytes) -> bytes:
    header = json.loads(data[data.index(b"{", 1):data.index(b',\n"nodes"')])
    fields = header["meta"]
    choice = rng.randrange(7)
    if choice == 0:
        fields["node_fields"] = fields["node_fields"][:-2]
    elif choice == 1:
        fields["node_types"][0] = fields["node_types"][0][:3]
    elif choice == 2:
        fields["edge_fields"] = ["type", "to_node"]
    elif choice == 3:
        fields["node_fields"] = fields["node_fields"] + ["extra"]
    elif choice == 4:
        del fields["edge_types"]
    elif choice == 5:
        fields["node_types"] = "object"
    else:
        header["node_count"] = 0
        header["edge_count"] = 0
        return (b'{"snapshot":' + json.dumps(header).encode() + b',\n"nodes":[],\n"edges":[],'
                + data[data.index(b'"strings":'):])
    head = data[:data.index(b"{", 1)]
    return head + json.dumps(header).encode() + data[data.index(b',\n"nodes"'):]


def gzip_damage(rng: random.Random, data: bytes) -> bytes:
    packed = gzip.compress(data, compresslevel=1)
    if rng.random() < 0.5:
        return packed[:rng.randrange(10, len(packed))]
    at = rng.randrange(10, len(packed))
    return packed[:at] + bytes([packed[at] ^ 0xFF]) + packed[at + 1:]


def garbage(rng: random.Random, data: bytes) -> bytes:
    return rng.choice([b"", b"{}", b"[]", b"null", b'{"snapshot":{}}', b"\x1f\x8b",
                       rng.randbytes(2000), data[:200], b'{"nodes":[1,2,3]}',
                       b"{" + b" " * 10000])


def delete_span(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) - 100)
    return data[:at] + data[at + rng.randrange(1, 100):]


MUTATIONS: list[Mutation] = [truncate, flip_digit, huge_number, absurd_count, bad_string,
                             structure, meta, gzip_damage, garbage, delete_span]


def heapsight(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([sys.executable, "-m", "heapsight", *args], capture_output=True,
                              text=True, timeout=RUN_TIMEOUT, cwd=cwd, errors="replace")
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, -999, "", "TIMEOUT")


def problem(run: subprocess.CompletedProcess[str], mutant: str) -> str | None:
    """What is wrong with this run, or None."""
    if run.returncode == -999:
        return "hang"
    if run.returncode < 0:
        return f"killed by signal {-run.returncode}"
    if "Traceback" in run.stderr or "rerun with --debug" in run.stderr:
        return "traceback or unexpected error"  # the CLI's last line of defence
    if run.returncode in (0, 3):
        if not run.stdout.strip():
            return "success without output"
        if "--json" in run.args:
            json.loads(run.stdout)
        return None
    if run.returncode not in (1, 2):
        return f"exit {run.returncode}"
    lines = run.stderr.splitlines()
    if len(lines) != 1 or not lines[0].startswith("heapsight: error: "):
        return "not one error line"
    if mutant not in lines[0]:
        return "the error does not name the file"
    return None


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    subprocess.run([NODE, "-e", PROGRAM], cwd=folder, check=True, timeout=120)
    return folder


def test_every_snapshot_command_survives_mutants(originals: Path):
    rng = random.Random(SEED)
    data = {name: (originals / f"{name}.heapsnapshot").read_bytes() for name in ("s1", "s2", "s3")}
    jobs: list[tuple[list[str], str, str]] = []
    for number in range(MUTANTS):
        mutation = MUTATIONS[number % len(MUTATIONS)]
        which = rng.choice(["s1", "s2", "s3"])
        mutant = f"m{number:03d}-{mutation.__name__}.heapsnapshot"
        (originals / mutant).write_bytes(mutation(rng, data[which]))
        others = {"s1": "s1.heapsnapshot", "s2": "s2.heapsnapshot", "s3": "s3.heapsnapshot"}
        others[which] = mutant
        command = rng.choice(["summary", "summary-json", "inspect", "diff", "find-leaks"])
        args = {"summary": ["summary", mutant, "--top", "5"],
                "summary-json": ["summary", mutant, "--json"],
                "inspect": ["inspect", mutant, "@1"],
                "diff": ["diff", others["s1"], others["s3"]] if which != "s2" else
                        ["diff", "s1.heapsnapshot", mutant],
                "find-leaks": ["find-leaks", others["s1"], others["s2"], others["s3"]]}[command]
        jobs.append((args, mutant, mutation.__name__))
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda job: heapsight(job[0], originals), jobs))
    failures = []
    for (args, mutant, kind), run in zip(jobs, runs, strict=True):
        found = problem(run, mutant)
        if found:
            failures.append(f"{' '.join(args)} [{kind}]: {found}: exit {run.returncode}: "
                            f"{run.stderr.strip()[-300:]}")
    assert not failures, f"{len(failures)} of {len(jobs)} runs failed:\n" + "\n".join(failures)
