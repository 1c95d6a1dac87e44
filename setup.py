"""Build step: compile the snapshot engine's kernels ahead of time with numba.pycc.

Everything else about the package is in pyproject.toml. The kernels' source and signatures
live in src/heapsight/snapshot/_kernels.py; this compiles them into the extension module
heapsight.snapshot._kernels_aot so that running heapsight never needs numba's JIT. If the
build fails (no C compiler), installation still succeeds and heapsight compiles the same
kernels just in time instead.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CompileError

KERNELS = "heapsight.snapshot._kernels_aot"
HERE = Path(__file__).parent / "src" / "heapsight" / "snapshot"


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class BuildKernels(build_ext):
    def build_extension(self, ext: Extension) -> None:
        if ext.name != KERNELS:
            return super().build_extension(ext)
        target = Path(self.get_ext_fullpath(ext.name))
        try:
            os.environ["HEAPSIGHT_BUILDING_KERNELS"] = "1"
            warnings.simplefilter("ignore")  # pycc's pending-deprecation notice
            from numba.pycc import CC

            # load the kernel source without importing the heapsight package itself
            registry = load("heapsight.snapshot._compile", HERE / "_compile.py")
            load("heapsight_kernels_source", HERE / "_kernels.py")
            compiler = CC(target.name.split(".")[0])
            compiler.output_dir = str(target.parent)
            compiler.output_file = target.name
            compiler.verbose = False
            compiler.target_cpu = "host"  # built where it runs: use its instruction set
            for name, (signature, function) in registry.SIGNATURES.items():
                compiler.export(name, signature)(function)
            # the source this module is built from, checked when it is loaded
            digest = registry.source_digest((HERE / "_kernels.py").read_bytes())

            def source_digest() -> int:
                return digest  # numba freezes the closure's value into the module
            compiler.export("source_digest", "int64()")(source_digest)
            target.parent.mkdir(parents=True, exist_ok=True)
            if os.environ.get("HEAPSIGHT_FAIL_KERNEL_BUILD"):  # to test the fallback
                raise RuntimeError("asked to fail")
            compiler.compile()
        except Exception as exc:
            # an optional extension that fails is skipped: heapsight uses the JIT instead
            raise CompileError(f"heapsight: kernels not compiled ahead of time ({exc}); "
                               "they will be compiled just in time on first use") from exc
        finally:
            os.environ.pop("HEAPSIGHT_BUILDING_KERNELS", None)


setup(
    ext_modules=[Extension(KERNELS, sources=[], optional=True)],
    cmdclass={"build_ext": BuildKernels},
)
