"""Build hook: compiles the PEP 523 eval-frame extension when its source is present.

`pip install .` is the only install step; the extension is part of the product on
CPython 3.11-3.13, so a build failure there is an error, not a silent skip.
"""

import os
import platform
import sys

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
PYX = os.path.join("dapper", "_frame_eval", "_frame_evaluator.pyx")
AUDIT_PYX = os.path.join("dapper", "_audit_filter.pyx")


def _extensions():
    version = sys.version_info[:2]
    supported = platform.python_implementation() == "CPython" and (3, 11) <= version <= (3, 13)
    if not supported or not os.path.exists(os.path.join(HERE, PYX)):
        return []
    from Cython.Build import cythonize
    from setuptools import Extension

    hook = Extension(
        "dapper._frame_eval._frame_evaluator",
        sources=[PYX],
        include_dirs=[os.path.join("dapper", "_frame_eval")],
    )
    audit = Extension("dapper._audit_filter", sources=[AUDIT_PYX])
    return cythonize([hook, audit], language_level=3, quiet=True)


setup(ext_modules=_extensions())
