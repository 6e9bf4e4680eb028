"""A read as bytes and back: for worker processes and for the read cache.

Two ways back, for two kinds of bytes:

* :func:`unpacked_own` for bytes this run's own worker process just made
  (plain :mod:`pickle`: nothing else can have written them);
* :func:`unpacked_stored` for bytes read from a file (the read cache): even
  once their HMAC is checked, they are unpickled by an unpickler that makes
  only the records a read holds (:data:`ALLOWED`) and calls nothing else, so a
  forged or damaged file can at worst fail to load, never run code.
"""

from __future__ import annotations

import copyreg
import io
import operator
import pickle
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from hnbxl.core.issues import Issue
from hnbxl.core.periods import Period
from hnbxl.core.provenance import FieldValue, Provenance
from hnbxl.returns.read import Sent

__all__ = ["ALLOWED", "packed", "pickler", "unpacked_own", "unpacked_stored"]


#: The records a read holds hundreds of, rebuilt by their constructors when unpickled.
_BY_FIELDS = (FieldValue, Provenance, Issue, Period)


def _reducer(cls: type) -> Callable[[object], tuple[type, tuple[object, ...]]]:
    """A dataclass pickled as its constructor call (see :func:`packed`); its fields
    fetched by one ``attrgetter`` (``dataclasses.fields`` per record was half the
    cost of packing a read)."""
    names = [f.name for f in fields(cls)]
    getter = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (cls, (getter(obj),))
    return lambda obj: (cls, getter(obj))


_DISPATCH = dict(copyreg.dispatch_table)
_DISPATCH.update((cls, _reducer(cls)) for cls in _BY_FIELDS)


def packed(obj: object) -> bytes:
    """``obj`` (reads, or :class:`~hnbxl.returns.read.Sent` records) as bytes.

    Unpickled by default, each record of a read would get a dictionary of its
    own (Python keeps an instance's attributes without one when it is made by
    its constructor): a third more memory per read where a batch is held.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(obj)
    return buffer.getvalue()


def pickler(buffer: io.BytesIO) -> pickle.Pickler:
    """A pickler writing as :func:`packed` does; each ``dump`` adds one object to
    ``buffer``, and what they share (field keys, sheet names) is written once."""
    stream = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    stream.dispatch_table = _DISPATCH
    return stream


def unpacked_own(data: bytes) -> list[Sent]:
    """The reads :func:`packed` made in this run's own worker process."""
    reads: list[Sent] = pickle.loads(data)
    return reads


#: (module, name) of everything a stored read may make: its records, the kinds of
#: value a cell or a coerced field holds, and the containers pickle names.
ALLOWED = frozenset({
    ("hnbxl.returns.read", "Sent"),
    ("hnbxl.returns.read", "ReturnRead"),
    ("hnbxl.forms.model", "Identity"),
    ("hnbxl.core.provenance", "FieldValue"),
    ("hnbxl.core.provenance", "Provenance"),
    ("hnbxl.core.issues", "Issue"),
    ("hnbxl.core.severity", "Severity"),
    ("hnbxl.core.periods", "Period"),
    ("hnbxl.core.keys", "FieldKey"),
    ("hnbxl.core.keys", "ItemKey"),
    ("pathlib", "Path"),
    ("pathlib", "PosixPath"),
    ("pathlib", "WindowsPath"),
    ("pathlib", "PurePosixPath"),
    ("pathlib", "PureWindowsPath"),
    ("pathlib._local", "Path"),
    ("pathlib._local", "PosixPath"),
    ("pathlib._local", "WindowsPath"),
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("decimal", "Decimal"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "str"),
})


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a stored read")
        return super().find_class(module, name)


def unpacked_stored(data: bytes, count: int = 1) -> list[object]:
    """The first ``count`` objects of bytes from a file (one :func:`pickler`'s dumps):
    only :data:`ALLOWED` records are made (else ``UnpicklingError``)."""
    stream = _Unpickler(io.BytesIO(data))
    return [stream.load() for _ in range(count)]
