"""How the engine's kernels are compiled.

Ahead of time, at install (setup.py runs numba.pycc over the `@kernel` functions into the
extension module `_kernels_aot`): running heapsight then never imports numba, which saves
about 130 MB of memory and a second of start-up per command, and a first run costs nothing
extra. When that module is missing (a build without a compiler), the same source is compiled
just in time by numba, with its on-disk cache. So it is too when the module was built from
another version of the kernels' source (an editable install after `git pull`): the module
carries the digest of the source it was built from, and a module that does not match would call
kernels with the wrong arguments.
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

# name -> (numba signature, the Python function); setup.py compiles these ahead of time
SIGNATURES: dict[str, tuple[str, Callable[..., Any]]] = {}

KERNELS_SOURCE = Path(__file__).with_name("_kernels.py")


def source_digest(source: bytes) -> int:
    """The kernels' source as a positive int64, exported by the compiled module as
    `source_digest()` so a module built from other source is never used. CRC-32 and length
    tell a stale build apart; hashlib would load OpenSSL's libcrypto, 3.7 MiB of every
    command's memory for this one digest."""
    return (len(source) << 32) | zlib.crc32(source)


def built_from(module: Any, source: bytes) -> bool:
    return hasattr(module, "source_digest") and module.source_digest() == source_digest(source)


try:
    if os.environ.get("HEAPSIGHT_JIT"):  # force the just-in-time path (tests, benchmarks)
        raise ImportError
    from heapsight.snapshot import _kernels_aot as _aot  # type: ignore[attr-defined]
    if not built_from(_aot, KERNELS_SOURCE.read_bytes()):
        print("heapsight: the compiled engine is older than its source (reinstall heapsight: "
              "pip install -e .); compiling it just in time instead", file=sys.stderr)
        _aot = None
except ImportError:
    _aot = None


def _prefetch_intrinsic() -> Callable[..., Any]:
    """prefetch(array, index): a hint that array[index] will be read soon (LLVM's
    llvm.prefetch, for reading, high locality); no effect on results. Loops bound by cache
    misses (the dominators' semidominator loop) ask for what a later iteration reads, so its
    miss overlaps the current one's instead of following it."""
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic  # type: ignore[misc]
    def prefetch(typingctx: Any, array: Any, index: Any) -> Any:
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            data = context.make_array(signature.args[0])(context, builder, args[0]).data
            byte_pointer = ir.IntType(8).as_pointer()
            address = builder.bitcast(builder.gep(data, [args[1]]), byte_pointer)
            i32 = ir.IntType(32)
            function = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
                "llvm.prefetch.p0i8")
            # read (0), high temporal locality (3), data cache (1)
            builder.call(function, [address, ir.Constant(i32, 0), ir.Constant(i32, 3),
                                    ir.Constant(i32, 1)])
            return context.get_dummy_value()
        return types.void(array, index), codegen
    return prefetch  # type: ignore[no-any-return]


def _no_prefetch(array: Any, index: Any) -> None:
    """Stands for the intrinsic when the compiled module is used: numba is never imported."""


prefetch = _prefetch_intrinsic() if _aot is None or os.environ.get(
    "HEAPSIGHT_BUILDING_KERNELS") else _no_prefetch


def compiled_ahead() -> bool:
    return _aot is not None


def kernel(signature: str, name: str | None = None) -> Callable[[Callable[..., Any]], Any]:
    """Declare a compiled kernel with its exact numba signature (arrays C-contiguous); `name`
    exports the same source once more under another name with other argument types."""
    def register(function: Callable[..., Any]) -> Any:
        export = name or function.__name__
        SIGNATURES[export] = (signature, function)
        if os.environ.get("HEAPSIGHT_BUILDING_KERNELS"):
            return function
        if _aot is not None and hasattr(_aot, export):
            return getattr(_aot, export)
        from numba import njit
        return njit(signature, cache=True, nogil=True)(function)
    return register
