"""The `heapsight` command: a group whose subcommands load lazily, and the error contract.

Every user mistake becomes one line on stderr and exit 2 (usage) or 1 (failure); a traceback
only with --debug. Subcommand modules are imported on use so `heapsight lint` never pays for
the snapshot engine's compiled kernels.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import os
import sys

# heapsight does no linear algebra: OpenBLAS's worker threads, started when numpy is first
# imported, would only spin (~0.06 s of CPU per command, more while the kernels run).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click

from heapsight import __version__
from heapsight.errors import HeapsightError
from heapsight.text import printable

# name -> "module:attribute"; a module not present in this build is simply not listed.
COMMANDS = {
    "demo": "heapsight.cli.demo:demo",
    "summary": "heapsight.cli.summary:summary",
    "inspect": "heapsight.cli.inspect:inspect",
    "diff": "heapsight.cli.diff:diff",
    "find-leaks": "heapsight.cli.find_leaks:find_leaks",
    "snapshot": "heapsight.cli.snapshot:snapshot",
    "hunt": "heapsight.cli.hunt:hunt",
    "watch": "heapsight.cli.watch:watch",
    "history": "heapsight.cli.history:history",
    "alert-rules": "heapsight.cli.alert_rules:alert_rules",
    "lint": "heapsight.cli.lint:lint",
    "run": "heapsight.cli.run:run",
    "ctl": "heapsight.cli.ctl:ctl",
    "report": "heapsight.cli.report:report",
    "redact": "heapsight.cli.redact:redact",
    "check": "heapsight.cli.check:check",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, target in COMMANDS.items()
                if importlib.util.find_spec(target.split(":")[0]) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or cmd_name not in self.list_commands(ctx):
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if _process_entry:
            # What is loaded now lives as long as the process: the garbage collector need
            # not scan it again at each collection (a few hundredths of a second per command)
            gc.freeze()
        return command


_debug = False
_process_entry = False  # set by entry(): main() runs once and the process then ends


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="heapsight")
@click.option("--debug", is_flag=True, help="Show a full traceback when something fails.")
def cli(debug: bool) -> None:
    """Find, explain and contain memory leaks in Node.js services.

    \b
    Start here:           heapsight demo
    Is it leaking?        heapsight watch --pid PID
    What leaks, and why?  heapsight hunt --url http://127.0.0.1:3000/ -- node app.js
    Offline snapshots:    heapsight summary app.heapsnapshot
                          heapsight find-leaks s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot
    Keep it up meanwhile: heapsight run --port 3000 --max-memory 512MB -- node app.js
    Before it ships:      heapsight lint src/
                          heapsight check scenarios/ --junit heapsight-check.xml
    To share:             heapsight find-leaks s1 s2 s3 --html leaks.html
                          heapsight redact app.heapsnapshot -o app.redacted.heapsnapshot
    """
    global _debug
    _debug = debug


def error_line(message: str) -> None:
    click.echo(f"heapsight: error: {printable(message)}", err=True)


def main(argv: list[str] | None = None) -> int:
    global _debug
    args = sys.argv[1:] if argv is None else argv
    _debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="heapsight", standalone_mode=False)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "heapsight"
        error_line(f"{exc.format_message()} (see `{command} --help`)")
        return 2
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        error_line("interrupted")
        return 130
    except HeapsightError as exc:
        if _debug:
            import traceback

            traceback.print_exc()
        error_line(str(exc))
        return exc.exit_code
    except BrokenPipeError:
        return 1
    except MemoryError:
        error_line("out of memory; try a machine with more RAM or a smaller snapshot")
        return 1
    except Exception as exc:  # the last line of defence: never a bare traceback
        if _debug:
            import traceback

            traceback.print_exc()
        error_line(f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for details)")
        return 1
    return result if isinstance(result, int) else 0


def entry() -> None:
    """The `heapsight` command and `python -m heapsight`: main(), then exit. Everything left is
    frozen first, so the collection Python runs at exit does not walk it all once more."""
    global _process_entry
    _process_entry = True
    code = main()
    gc.freeze()
    raise SystemExit(code)
