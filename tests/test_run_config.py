"""`heapsight run`'s options: sizes and durations need units, heapsight.toml's [run] table, the
command line winning over it, and one clear error for each mistake."""

from __future__ import annotations

import pytest

from heapsight.errors import UsageError
from heapsight.supervise.config import build_options, parse_duration, parse_size, read_config


def test_sizes_need_a_unit_and_are_binary():
    assert parse_size("512MB", "--max-memory") == 512 * 2**20
    assert parse_size("512MiB", "--max-memory") == 512 * 2**20
    assert parse_size("1.5GiB", "--max-memory") == int(1.5 * 2**30)
    assert parse_size("300m", "--max-heap") == 300 * 2**20
    for bad in ("512", "512 bytes", "MB", "-1MB", ""):
        with pytest.raises(UsageError, match="--max-memory expects a size with its unit"):
            parse_size(bad, "--max-memory")


def test_durations_need_a_unit():
    assert parse_duration("30s", "--for") == 30
    assert parse_duration("5m", "--for") == 300
    assert parse_duration("500ms", "--for") == 0.5
    assert parse_duration("0s", "--memory-cooldown", zero=True) == 0
    for bad in ("30", "0s", "soon"):
        with pytest.raises(UsageError, match="--for expects a duration"):
            parse_duration(bad, "--for")


def test_toml_table_and_the_command_line_wins(tmp_path):
    path = tmp_path / "heapsight.toml"
    path.write_text('[run]\ncommand = ["node", "server.js"]\ninstances = 4\nport = 3000\n'
                    'max-memory = "512MB"\nfor = "1m"\nsnapshot-on-restart = true\n')
    options = build_options({"instances": 3}, read_config(path, required=True))
    assert options.command == ["node", "server.js"]
    assert options.instances == 3 and options.port == 3000
    assert options.max_memory == 512 * 2**20 and options.over_for == 60
    assert options.snapshot_on_restart is True
    assert options.name.endswith("-server")  # <current folder>-<script>


@pytest.mark.parametrize(("table", "message"), [
    ('port = 1\nmax-memroy = "1GB"', "unknown option 'max-memroy'"),
    ('port = 1\nmax-memory = 512', "--max-memory expects a size with its unit"),
    ('port = 1\ninstances = "two"', "--instances must be a whole number"),
    ('port = 70000', "--port must be a TCP port"),
    ('port = 1\nsnapshot-on-restart = "yes"', "must be true or false"),
    ('instances = 2', "give --port P"),
    ('port = 1\nno-balancer = true', "--port and --no-balancer exclude each other"),
    ('port = 1\nrestart-on-leak = true', "--restart-on-leak needs a limit"),
])
def test_each_mistake_is_one_clear_error(tmp_path, table, message):
    path = tmp_path / "heapsight.toml"
    path.write_text(f'[run]\ncommand = ["node", "x.js"]\n{table}\n')
    with pytest.raises(UsageError, match=message):
        build_options({}, read_config(path, required=True))


def test_a_broken_file_is_named(tmp_path):
    path = tmp_path / "heapsight.toml"
    path.write_text("[run\n")
    with pytest.raises(UsageError, match="is not valid TOML"):
        read_config(path, required=True)
    with pytest.raises(UsageError, match="does not exist"):
        read_config(tmp_path / "missing.toml", required=True)
    assert read_config(tmp_path / "missing.toml", required=False) == {}
