"""Build of the optional compiled record converter; the project's metadata is in pyproject.toml.

The extension is optional: without a C compiler the install still succeeds and the loader uses the
pure-Python converter (``services.variants.fastpath``), which gives the same rows, only slower.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "services.variants._fastconvert",
            ["services/variants/_fastconvert.c"],
            extra_compile_args=["-O2", "-std=c11"],
            optional=True,
        )
    ]
)
