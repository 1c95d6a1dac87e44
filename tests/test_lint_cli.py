"""`heapsight lint` end to end: files found, exit codes, JSON and SARIF, config, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from heapsight.cli.main import main
from heapsight.lint.discover import discover

LEAK = "const bus = require('./bus');\nfunction h(req, res) {\n  bus.on('x', () => 1);\n}\n"
CLEAN = "const pool = 1;\nmodule.exports = () => pool;\n"


def sarif_schema() -> dict:
    return json.loads(resources.files("heapsight.lint").joinpath(
        "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["lint", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "leak.js").write_text(LEAK)
    (tmp_path / "src" / "clean.ts").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_exit_codes_and_text(project, capsys):
    code, out, err = run(capsys, "src")
    assert code == 1
    assert "src/leak.js:3:3: listener-not-removed" in out
    assert "1 finding in 1 file (2 files" in err
    assert run(capsys, "src/clean.ts")[0] == 0
    assert run(capsys, "src", "--exit-zero")[0] == 0
    assert run(capsys, "src", "--ignore", "listener-leak,closure-capture")[0] == 0


def test_json_contract(project, capsys):
    code, out, _ = run(capsys, "src", "--format", "json")
    assert code == 1
    document = json.loads(out)
    finding = document["findings"][0]
    assert {"category", "rule", "file", "line", "column", "message"} <= set(finding)
    assert (finding["category"], finding["rule"], finding["file"], finding["line"]) == (
        "listener-leak", "listener-not-removed", "src/leak.js", 3)
    assert document["files"] == 2 and document["errors"] == []


def test_sarif_is_valid_against_the_2_1_0_schema(project, capsys):
    (project / "src" / "broken.js").write_text("function (\n")
    code, out, _ = run(capsys, "src", "--format", "sarif")
    assert code == 1
    sarif = json.loads(out)
    jsonschema.Draft4Validator(sarif_schema()).validate(sarif)
    run_ = sarif["runs"][0]
    result = run_["results"][0]
    assert result["ruleId"] == "listener-not-removed"
    assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "src/leak.js"
    assert location["region"]["startLine"] == 3
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    assert "syntax error" in notes[0]["message"]["text"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_sarif_paths_are_relative_to_the_repository(project, capsys, monkeypatch):
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    monkeypatch.chdir(project / "src")
    sarif = json.loads(run(capsys, ".", "--format", "sarif")[1])
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/leak.js", "uriBaseId": "%SRCROOT%"}
    base = sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == project.resolve().as_uri() + "/"
    jsonschema.Draft4Validator(sarif_schema()).validate(sarif)


def test_output_file_is_written_once(project, capsys):
    assert run(capsys, "src", "--format", "sarif", "-o", "out.sarif")[0] == 1
    assert json.loads((project / "out.sarif").read_text())["version"] == "2.1.0"
    code, _, err = run(capsys, "src", "-o", "out.sarif")
    assert code == 1 and "already exists" in err
    assert run(capsys, "src", "-o", "out.sarif", "--force")[0] == 1
    assert "listener-not-removed" in (project / "out.sarif").read_text()


def test_usage_errors(project, capsys):
    code, _, err = run(capsys, "missing.js")
    assert code == 2 and err.startswith("heapsight: error: missing.js does not exist")
    assert run(capsys)[0] == 2
    code, _, err = run(capsys, "src", "--select", "nope")
    assert code == 2 and "unknown rule or category 'nope'" in err
    assert run(capsys, "src", "--format", "xml")[0] == 2


def test_pyproject_settings(project, capsys):
    (project / "pyproject.toml").write_text(
        '[tool.heapsight.lint]\nignore = ["listener-leak", "closure-capture"]\n'
        'exclude = ["gen/*"]\n')
    (project / "src" / "gen").mkdir()
    (project / "src" / "gen" / "x.js").write_text("function (\n")
    code, _, err = run(capsys, "src")
    assert code == 0 and "skipped" not in err
    (project / "pyproject.toml").write_text('[tool.heapsight.lint]\nexit-zero = true\n')
    assert run(capsys, "src")[0] == 1  # exit-zero covers findings, not a file that broke
    (project / "src" / "gen" / "x.js").unlink()
    assert run(capsys, "src")[0] == 0
    assert run(capsys, "src", "--no-config")[0] == 1
    (project / "pyproject.toml").write_text('[tool.heapsight.lint]\nselct = ["x"]\n')
    code, _, err = run(capsys, "src")
    assert code == 2 and "unknown key 'selct'" in err


def test_minified_and_huge_files_are_skipped_with_a_note(project, capsys):
    (project / "src" / "bundle.js").write_text(("var a=[];function f(r){a.push(r)}" * 20 + "\n")
                                               * 40)
    code, out, err = run(capsys, "src/bundle.js")
    assert code == 0 and out == ""
    assert "looks minified" in err


def test_config_file_named_on_the_command_line(project, capsys):
    settings = project / "lint.toml"
    settings.write_text('[tool.heapsight.lint]\nselect = ["timer-leak"]\n')
    assert run(capsys, "src", "--config", str(settings))[0] == 0  # no timer leaks in src
    code, _, err = run(capsys, "src", "--config", "nope.toml")
    assert code == 2 and "config file nope.toml does not exist" in err
    settings.write_text("[tool.heapsight.lint\n")
    code, _, err = run(capsys, "src", "--config", str(settings))
    assert code == 2 and "cannot read" in err


def test_list_rules(capsys):
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0 and "cache-without-eviction" in out and "unbounded-cache" in out


def make_tree(root: Path) -> None:
    for name, text in {
        "app.js": LEAK, "lib/util.mjs": LEAK, "lib/types.d.ts": "declare const x: number;\n",
        "node_modules/dep/index.js": LEAK, "dist/bundle.js": LEAK, "vendor.min.js": LEAK,
        ".hidden/x.js": LEAK, "notes.txt": "x", "web/page.tsx": "export const A = () => <b/>;\n",
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / ".gitignore").write_text("dist/\n")


def test_discover_without_git(tmp_path, monkeypatch):
    make_tree(tmp_path)
    monkeypatch.setenv("PATH", "/nonexistent")  # no git: the built-in .gitignore reader
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["app.js", "lib/util.mjs", "web/page.tsx"]
    assert [p.name for p in discover(tmp_path, ["lib/*"])] == ["app.js", "page.tsx"]
    nested = tmp_path / "outer"
    make_tree(nested)
    # a pattern matches any tail of the path, so folder names work at any depth
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path, ["outer/lib/*",
                                                                            "web"])]
    assert found == ["app.js", "lib/util.mjs", "outer/app.js"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_discover_in_a_git_work_tree(tmp_path):
    make_tree(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["app.js", "lib/util.mjs", "web/page.tsx"]
    # a folder the user names is linted even when .gitignore ignores it
    assert [p.name for p in discover(tmp_path / "dist")] == ["bundle.js"]


def test_the_installed_command(project):
    """The real entry point, as a user runs it: exit status and stdout only JSON."""
    done = subprocess.run([sys.executable, "-m", "heapsight", "lint", "src", "--format", "json"],
                          capture_output=True, text=True, cwd=project, timeout=120)
    assert done.returncode == 1
    assert json.loads(done.stdout)["findings"][0]["rule"] == "listener-not-removed"


def test_the_report_does_not_depend_on_the_hash_seed():
    """Two runs over the corpora with different string hashing report the same findings at the
    same lines (a baseline or a SARIF diff in CI must not move between runs). Seeds 1 and 2
    gave two different reports before a set of names was put in order."""
    corpus = Path(__file__).parent / "corpus"
    reports = []
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "heapsight", "lint", str(corpus), "--format",
                               "json"], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.returncode == 1, done.stderr
        reports.append(json.loads(done.stdout)["findings"])
    assert reports[0] == reports[1]
    assert len(reports[0]) > 500


def test_help_lists_every_rule(capsys):
    from heapsight.lint.rules import RULES

    assert main(["lint", "--help"]) == 0
    out = capsys.readouterr().out
    for rule in RULES:
        assert f"{rule.id:26} {rule.category}" in out


# -- files that could not be checked (issue 9, item 5) --------------------------------------

def test_a_syntax_error_fails_the_run_but_the_rest_of_the_file_is_still_checked(project, capsys):
    # the leak is on line 3; the file breaks on its last line, as a half-merged file would
    (project / "src" / "leak.js").write_text(LEAK + "function broken( {\n")
    code, out, err = run(capsys, "src/leak.js")
    assert code == 1
    assert "src/leak.js:3:3: listener-not-removed" in out
    assert "error:" in err and "syntax error at 5:" in err
    # no findings at all, but a file that did not parse: still a failure
    (project / "src" / "clean.ts").write_text(CLEAN + "const = ;\n")
    code, out, err = run(capsys, "src/clean.ts")
    assert code == 1 and out == "" and "syntax error" in err
    # the user may opt out, on the command line or in pyproject.toml
    assert run(capsys, "src/clean.ts", "--allow-unchecked")[0] == 0
    (project / "pyproject.toml").write_text("[tool.heapsight.lint]\nallow-unchecked = true\n")
    assert run(capsys, "src/clean.ts")[0] == 0
    document = json.loads(run(capsys, "src/clean.ts", "--json", "--no-config")[1])
    assert document["errors"][0]["kind"] == "partial"


def test_unreadable_bytes_fail_the_run_and_generated_files_do_not(project, capsys):
    (project / "src" / "latin1.js").write_bytes(b"const caf\xe9 = 1;\n")
    code, _, err = run(capsys, "src/latin1.js")
    assert code == 1 and "not UTF-8" in err
    (project / "src" / "bundle.js").write_text(("var a=[];function f(r){a.push(r)}" * 20
                                                + "\n") * 40)
    assert run(capsys, "src/bundle.js")[0] == 0


@pytest.mark.timeout(60)
def test_a_fifo_in_the_tree_is_skipped_and_a_named_one_is_not_read(project, capsys):
    import os

    os.mkfifo(project / "src" / "pipe.js")  # nothing ever writes: a read would block forever
    code, out, _ = run(capsys, "src", "--json", "--no-config")
    document = json.loads(out)
    assert code == 1 and document["files"] == 2 and document["errors"] == []
    code, _, err = run(capsys, "src/pipe.js")
    assert code == 1 and "not a regular file" in err


def test_json_flag_is_the_json_format(project, capsys):
    code, out, _ = run(capsys, "src", "--json")
    assert code == 1 and json.loads(out)["findings"][0]["rule"] == "listener-not-removed"
    assert json.loads(out) == json.loads(run(capsys, "src", "--format", "json")[1])
    code, _, err = run(capsys, "src", "--json", "--format", "sarif")
    assert code == 2 and "disagree" in err


def test_big_files_are_linted_in_linear_time(monkeypatch):
    """What made a 4.8 MB file take 89 s (issue 9): every name looked up by a scan of the whole
    file, every non-ASCII column counted from the top of the file, and the cyclic collector
    rescanning the file's nodes over and over. Counted here, not timed."""
    import gc

    from heapsight.lint import source as source_module
    from heapsight.lint.engine import lint_source, select_rules
    from heapsight.lint.rule import Rule

    unit = ("const list{i} = [];\nfunction add{i}(x) {{ list{i}.push(x); }}\n"
            "exports.h{i} = (req, res) => {{ list{i}.push(req.body); }}; // café\n")
    text = "".join(unit.format(i=i) for i in range(300)).encode()
    scans = []
    word = source_module._WORD

    class CountingWord:
        def finditer(self, data, *args):
            scans.append(len(data))
            return word.finditer(data, *args)

    monkeypatch.setattr(source_module, "_WORD", CountingWord())
    collector_on = []

    class Probe(Rule):
        id, category, summary, fix = "probe", "other", "", ""

        def check(self, source, facts):
            collector_on.append(gc.isenabled())
            return iter(())

    findings, _, problem = lint_source("big.js", text, "javascript", [*select_rules(), Probe()])
    assert problem is None
    assert len([f for f in findings if f.rule == "module-collection-growth"]) == 300
    assert scans == [len(text)]  # the words of the file indexed once, not once per name
    assert collector_on == [False] and gc.isenabled()
    # columns after a non-ASCII character are counted in characters
    assert all(f.column == 3 for f in findings if f.line % 3 == 0)


def test_gitignore_rules_as_git_reads_them_without_git(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # the pathspec reader, not git
    for name in ("a.js", "gen/x.js", "gen/keep.js", "sub/b.js", "sub/deep/c.js", "sub/d.js"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(CLEAN)
    (tmp_path / ".gitignore").write_text("gen/*\n!gen/keep.js\n/a.js\n")
    (tmp_path / "sub" / ".gitignore").write_text("deep/\nd.js\n")
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["gen/keep.js", "sub/b.js"]
    # --exclude takes .gitignore patterns: a bare name matches at any depth
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path, ["b.js"])] == [
        "gen/keep.js"]


def test_the_resource_table_is_extended_in_settings(project, capsys):
    (project / "src" / "hook.ts").write_text(
        "import { Tracker } from 'telemetry-kit';\n"
        "export function onRequest(req, res) {\n"
        "  const client = new Tracker();\n"
        "  client.trackRequest({ name: req.url });\n"
        "}\n")
    code, out, _ = run(capsys, "src/hook.ts")
    assert code == 0 and out == ""
    (project / "pyproject.toml").write_text(
        '[tool.heapsight.lint]\nresources = ["Tracker"]\n')
    code, out, _ = run(capsys, "src/hook.ts")
    assert code == 1 and "src/hook.ts:3:18: client-per-request" in out
    # `package:Name` adds a name only as that package's export
    (project / "pyproject.toml").write_text(
        '[tool.heapsight.lint]\nresources = ["other-kit:Tracker"]\n')
    code, out, _ = run(capsys, "src/hook.ts")
    assert code == 0 and out == ""
    (project / "pyproject.toml").write_text(
        '[tool.heapsight.lint]\nresources = ["telemetry-kit:Tracker"]\n')
    code, out, _ = run(capsys, "src/hook.ts")
    assert code == 1 and "src/hook.ts:3:18: client-per-request" in out


def test_a_baseline_accepts_todays_findings_and_fails_on_new_ones(project, capsys):
    """--save-baseline records the run's findings; --baseline leaves them out wherever their
    lines move, fails on a new one, and counts entries whose code is gone as stale."""
    assert run(capsys, "src", "--save-baseline", "lint-baseline.json")[0] == 0
    assert json.loads((project / "lint-baseline.json").read_text())["findings"][0]["rule"] == (
        "listener-not-removed")
    code, _, err = run(capsys, "src", "--baseline", "lint-baseline.json")
    assert code == 0 and "no findings" in err and "1 in the baseline" in err
    leak = project / "src" / "leak.js"
    leak.write_text("// moved down by a comment\n\n" + LEAK)
    os.chdir(project / "src")  # another directory: paths are the baseline's, not the cwd's
    assert run(capsys, ".", "--baseline", "../lint-baseline.json")[0] == 0
    os.chdir(project)
    leak.write_text(leak.read_text() + "function g(req, res) {\n  bus.on('y', () => 2);\n}\n")
    code, out, _ = run(capsys, "src", "--baseline", "lint-baseline.json", "--format", "json")
    document = json.loads(out)
    assert code == 1 and [f["line"] for f in document["findings"]] == [8]
    assert (document["baselined"], document["baseline_stale"]) == (1, 0)
    leak.write_text(LEAK.replace("bus.on('x', () => 1);", "bus.once('x', () => 1);"))
    code, _, err = run(capsys, "src", "--baseline", "lint-baseline.json")
    assert code == 0 and "1 of its entries no longer found" in err


def test_a_baseline_that_is_missing_or_not_one_is_one_clear_line(project, capsys):
    code, _, err = run(capsys, "src", "--baseline", "missing.json")
    assert code == 2 and "--save-baseline missing.json" in err and "Traceback" not in err
    (project / "notes.json").write_text('{"mine": true}')
    code, _, err = run(capsys, "src", "--baseline", "notes.json")
    assert code == 2 and "not a heapsight lint baseline" in err
    code, _, err = run(capsys, "src", "--save-baseline", "notes.json")
    assert code == 2 and "--force" in err
    assert (project / "notes.json").read_text() == '{"mine": true}'  # nothing lost


def test_the_baseline_named_in_pyproject_applies_to_every_run(project, capsys):
    (project / "pyproject.toml").write_text(
        '[tool.heapsight.lint]\nbaseline = "lint/baseline.json"\n')
    code, _, err = run(capsys, "src")
    assert code == 2 and "lint/baseline.json" in err  # named, but not written yet
    (project / "lint").mkdir()
    assert run(capsys, "src", "--save-baseline", "lint/baseline.json")[0] == 0
    os.chdir(project / "src")  # the setting's path is the pyproject's, not the cwd's
    code, _, err = run(capsys, ".")
    assert code == 0 and "1 in the baseline" in err
    os.chdir(project)
    assert run(capsys, "src", "--no-config")[0] == 1
