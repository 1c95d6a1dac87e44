"""Reading memory figures: JSON-lines logs (every common shape, broken lines, follow, rotation),
Prometheus text from a real node server, and the size/duration/percentage options."""

from __future__ import annotations

import json
import math
import os

import pytest

from heapsight.errors import HeapsightError, UsageError
from heapsight.monitor.session import parse_duration, parse_fraction, parse_size
from heapsight.monitor.sources import (
    MIB,
    LogFormatError,
    LogSource,
    parse_log_line,
    parse_metrics,
    parse_timestamp,
)


def test_megabyte_fields_as_services_log_them() -> None:
    line = ('{"type":"memory","timestamp":"2024-03-01T12:00:30.000Z","heapUsedMB":151,'
            '"heapTotalMB":190,"rssMB":230}')
    sample, pid, uptime = parse_log_line(line)
    assert sample is not None
    assert sample.heap_used == 151 * MIB and sample.heap_total == 190 * MIB
    assert sample.rss == 230 * MIB and sample.external is None
    assert sample.time == pytest.approx(1709294430.0)
    assert pid is None and uptime is None


def test_byte_fields_nested_memory_and_pino_epoch_milliseconds() -> None:
    line = json.dumps({"level": 30, "time": 1709294430123, "pid": 41, "hostname": "api",
                       "msg": "memory", "memory": {"rss": 240_000_000, "heapTotal": 190_000_000,
                                                   "heapUsed": 150_000_000, "external": 3_000_000,
                                                   "arrayBuffers": 100_000}})
    sample, pid, _ = parse_log_line(line)
    assert sample is not None
    assert (sample.heap_used, sample.rss, sample.external, sample.array_buffers) == (
        150_000_000, 240_000_000, 3_000_000, 100_000)
    assert sample.time == pytest.approx(1709294430.123)
    assert pid == 41


@pytest.mark.parametrize("line", [
    "", "server listening on :3000", '{"msg":"request","status":200}',
    '{"msg":"called","external":"api.example.com"}',  # `external` alone is some other field
    "GET /users {id: 3} 200", "[1, 2, 3]",
])
def test_other_lines_are_not_samples(line: str) -> None:
    assert parse_log_line(line)[0] is None


@pytest.mark.parametrize("line, why", [
    ('{"type":"memory","heapUsedMB": ', "not valid JSON"),
    ('{"heapUsed": "lots", "time": 1}', "not a number"),
    ('{"rss": -5, "time": 1}', "not a size"),
    ('{"rss": 5, "timestamp": "yesterday"}', "ISO 8601"),
])
def test_broken_memory_lines_raise(line: str, why: str) -> None:
    with pytest.raises(LogFormatError, match=why):
        parse_log_line(line)


def test_timestamps() -> None:
    assert parse_timestamp(1_700_000_000) == 1_700_000_000
    assert parse_timestamp(1_700_000_000_500) == pytest.approx(1_700_000_000.5)
    assert parse_timestamp("1700000000") == 1_700_000_000
    assert parse_timestamp("2023-11-14T22:13:20Z") == 1_700_000_000
    assert parse_timestamp("2023-11-14T23:13:20+01:00") == 1_700_000_000
    assert parse_timestamp("2023-11-14 22:13:20") == 1_700_000_000  # no zone: UTC


def write_lines(path, records) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        for record in records:
            handle.write((record if isinstance(record, str) else json.dumps(record)) + "\n")


def test_log_source_counts_broken_lines_and_marks_restarts(tmp_path) -> None:
    log = tmp_path / "service.log"
    write_lines(log, [
        {"time": 1000, "pid": 7, "heapUsed": 10, "rss": 20},
        "plain text from the service",
        '{"time": 1030, "pid": 7, "heapUsed": ',          # the service died mid-line
        {"time": 1060, "pid": 8, "heapUsed": 5, "rss": 9},  # restarted: new pid
        {"time": 1090, "pid": 8, "heapUsed": 6, "rss": 9, "uptime": 30},
        {"time": 1120, "pid": 8, "heapUsed": 4, "rss": 9, "uptime": 2},  # uptime went back
        {"time": 1150, "heapUsed": "x", "rss": 9},
    ])
    source = LogSource(log)
    samples = source.poll()
    assert [s.time for s in samples] == [1000, 1060, 1090, 1120]
    assert [s.restarted for s in samples] == [False, True, False, True]
    assert source.lines == 7 and source.malformed == 2
    problem = source.problems()
    assert problem is not None and "2 of 7 lines" in problem and "line 3" in problem
    assert source.poll() == []  # read once and done
    source.close()


def test_lines_without_timestamps_get_the_interval(tmp_path) -> None:
    log = tmp_path / "plain.log"
    write_lines(log, [{"heapUsedMB": 100 + k} for k in range(5)])
    source = LogSource(log, interval=30.0)
    samples = source.poll()
    assert [s.time for s in samples] == [0.0, 30.0, 60.0, 90.0, 120.0]
    assert source.untimed == 5


def test_follow_reads_appended_lines_waits_for_partial_ones_and_survives_rotation(
        tmp_path) -> None:
    log = tmp_path / "follow.log"
    write_lines(log, [{"time": 1, "rss": 100}])
    source = LogSource(log, follow=True)
    assert [s.rss for s in source.poll()] == [100]
    with open(log, "a", encoding="utf-8") as handle:
        handle.write('{"time": 2, "rss": 200}\n{"time": 3, "rs')
    assert [s.rss for s in source.poll()] == [200]  # the half line waits
    with open(log, "a", encoding="utf-8") as handle:
        handle.write('s": 300}\n')
    assert [s.rss for s in source.poll()] == [300]
    os.rename(log, tmp_path / "follow.log.1")  # logrotate: move, then a new file
    write_lines(log, [{"time": 4, "rss": 400}])
    assert [s.rss for s in source.poll()] == [400]
    assert source.malformed == 0
    source.close()


def test_missing_log_and_directory_are_clear_errors(tmp_path) -> None:
    with pytest.raises(HeapsightError, match="does not exist"):
        LogSource(tmp_path / "nope.log")
    with pytest.raises(HeapsightError, match="not a file"):
        LogSource(tmp_path)


def test_prometheus_text_with_prefix_and_workers() -> None:
    text = """# HELP app_nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.
# TYPE app_nodejs_heap_size_used_bytes gauge
app_nodejs_heap_size_used_bytes{worker="1"} 1000
app_nodejs_heap_size_used_bytes{worker="2"} 2000
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 5e6
# TYPE nodejs_external_memory_bytes gauge
nodejs_external_memory_bytes 300
# TYPE http_requests_total counter
http_requests_total 7
"""
    assert parse_metrics(text) == {"heap_used": 3000, "rss": 5_000_000, "external": 300}
    assert parse_metrics("# nothing here\nother_metric 1\n") == {}


@pytest.mark.parametrize("text, expected", [
    ("512MB", 512 * MIB), ("512mb", 512 * MIB), ("1GiB", 1024 * MIB), ("2g", 2048 * MIB),
    ("1.5GB", int(1.5 * 1024 * MIB)), ("1000B", 1000), ("64k", 65536), ("16KiB", 16384),
])
def test_sizes(text: str, expected: int) -> None:
    assert parse_size(text) == expected


def test_bad_option_values_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="--limit"):
        parse_size("lots")
    with pytest.raises(UsageError, match="with a unit"):
        parse_size("1000")  # a bare number is ambiguous: the unit is required
    with pytest.raises(UsageError, match="--interval"):
        parse_duration("soon", "--interval")
    with pytest.raises(UsageError, match="--alert-growth"):
        parse_fraction("-5%", "--alert-growth")
    assert parse_duration("30m", "--x") == 1800 and parse_duration("0.5", "--x") == 0.5
    assert parse_fraction("20%", "--x") == pytest.approx(0.2)
    assert math.isclose(parse_fraction("0.1", "--x"), 0.1)


def test_last_line_without_newline_and_a_big_log_read_in_chunks(tmp_path) -> None:
    log = tmp_path / "big.log"
    line = json.dumps({"time": 1, "rss": 100, "msg": "x" * 200}) + "\n"
    log.write_text(line * 20000 + '{"time": 2, "rss": 200}', encoding="utf-8")  # ~4.5 MB
    source = LogSource(log)
    samples = source.poll()
    assert len(samples) == 20001 and samples[-1].rss == 200
    assert source.lines == 20001 and source.malformed == 0


@pytest.mark.parametrize("stamp", [math.inf, -math.inf, math.nan, -5, 1e400, "9999-12-31"])
def test_impossible_timestamps_are_broken_lines(stamp) -> None:
    with pytest.raises(LogFormatError):
        parse_timestamp(stamp)
