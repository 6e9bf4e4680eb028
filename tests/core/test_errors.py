"""One exception hierarchy: every public hnbxl exception is an HnbxlError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import hnbxl
from hnbxl.core.codes import UncataloguedCode
from hnbxl.core.errors import HnbxlError
from hnbxl.store.commit import InterruptedAfterCommit

#: Programming errors, not errors in what the officer gave: these should show a traceback.
_BUGS = {UncataloguedCode}
#: Not errors at all: a Ctrl-C that came after the commit point (a KeyboardInterrupt, so
#: it unwinds as one; public so the CLI can catch it by type and say what was recorded).
_INTERRUPTS = {InterruptedAfterCommit}


def test_every_public_exception_is_an_hnbxl_error() -> None:
    strays = []
    for info in pkgutil.walk_packages(hnbxl.__path__, "hnbxl."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseException)
                    and obj.__module__ == module.__name__ and not name.startswith("_")
                    and obj not in _BUGS | _INTERRUPTS and not issubclass(obj, HnbxlError)):
                strays.append(f"{module.__name__}.{name}")
    assert not strays, f"derive these from hnbxl.core.errors.HnbxlError: {strays}"


def test_the_hierarchy_in_core_errors_names_every_error_class() -> None:
    """core/errors.py draws the tree of error classes; a new class belongs in it."""
    from hnbxl.core import errors

    classes = set()
    for info in pkgutil.walk_packages(hnbxl.__path__, "hnbxl."):
        module = importlib.import_module(info.name)
        classes.update(name for name, obj in vars(module).items()
                       if inspect.isclass(obj) and issubclass(obj, HnbxlError)
                       and obj.__module__ == module.__name__)
    tree = errors.__doc__ or ""
    assert {name for name in classes if f" {name}" not in tree} == set()
