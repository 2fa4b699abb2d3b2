"""Build hook: compiles Dapper's two C modules, the PEP 523 eval-frame hook and the
audit-event filter, on CPython 3.11-3.15.

`pip install .` is the only install step. Both modules are optional: without a
working C compiler the build says so in one line and installs the pure-Python
Dapper, which runs on every supported version (sys.monitoring or settrace). When a
compiler works, a module that fails to compile is an error, not a silent skip.
"""

import os
import platform
import sys
import sysconfig
import tempfile

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
PYX = os.path.join("dapper", "_frame_eval", "_frame_evaluator.pyx")
AUDIT_PYX = os.path.join("dapper", "_audit_filter.pyx")
FIRST_VERSION, LAST_VERSION = (3, 11), (3, 15)

#: The one line a build without a compiler prints (dapper/compiled.py says the same at run time).
NO_COMPILER_LINE = (
    "dapper: no working C compiler ({problem}): installing pure-Python Dapper without "
    "the eval_frame hook and the C audit filter; debugging works (backend auto uses "
    "sys.monitoring or settrace), but eval_frame is unavailable and a program calling "
    "id() heavily (copy.deepcopy) runs 2-3x slower under the debugger"
)


FREE_THREADED_LINE = (
    "dapper: free-threaded CPython build: installing pure-Python Dapper without the "
    "eval_frame hook and the C audit filter (importing them would turn the GIL back on "
    "for the whole program); sys.monitoring and settrace do the debugging"
)


def _wanted() -> bool:
    version = sys.version_info[:2]
    wanted = (
        platform.python_implementation() == "CPython"
        and FIRST_VERSION <= version <= LAST_VERSION
        and os.path.exists(os.path.join(HERE, PYX))
    )
    if wanted and sysconfig.get_config_var("Py_GIL_DISABLED"):
        sys.stderr.write(FREE_THREADED_LINE + "\n")
        return False
    return wanted


def _extensions():
    if not _wanted():
        return []
    from setuptools import Extension

    hook = Extension(
        "dapper._frame_eval._frame_evaluator",
        sources=[PYX],
        include_dirs=[os.path.join("dapper", "_frame_eval")],
    )
    audit = Extension("dapper._audit_filter", sources=[AUDIT_PYX])
    try:
        from Cython.Build import cythonize
    except ImportError:
        sys.stderr.write(NO_COMPILER_LINE.format(problem="Cython is not installed") + "\n")
        return []
    # Cython only writes C here; compiling it is build_ext's job (which may skip it).
    return cythonize([hook, audit], language_level=3, quiet=True)


class OptionalBuildExt(build_ext):
    """Builds the C modules when a C compiler works; otherwise one line and none."""

    def build_extensions(self) -> None:
        problem = self._compiler_problem()
        if problem is not None:
            sys.stderr.write(NO_COMPILER_LINE.format(problem=problem) + "\n")
            sys.stderr.flush()
            self.extensions = []
            return
        super().build_extensions()

    def _compiler_problem(self):
        """Why no C file can be compiled here, or None (a test file is compiled)."""
        with tempfile.TemporaryDirectory() as tmp:
            source = os.path.join(tmp, "probe.c")
            with open(source, "w") as f:
                f.write("int dapper_probe(void) { return 0; }\n")
            try:
                self.compiler.compile([source], output_dir=tmp)
            except Exception as exc:  # noqa: BLE001 - CompileError, a missing executable...
                compiler = getattr(self.compiler, "compiler_so", None) or ["cc"]
                return f"{compiler[0]} cannot compile a test file: {type(exc).__name__}"
        return None


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
