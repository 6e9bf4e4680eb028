"""Fill in a workbook the way a person does in LibreOffice Calc, then save it as .xlsx.

Run under the SYSTEM Python, which has LibreOffice's ``uno`` module (Debian:
``python3-uno``)::

    /usr/bin/python3 tests/lo_client.py IN.xlsx OUT.xlsx '[["Sheet", "F6", "169"], ...]' [ROUTE]

It starts its own headless ``soffice`` (private profile, private pipe), loads a
private copy of IN (so no lock file appears next to it), and for each entry
makes the sheet active (``controller.setActiveSheet``), moves the cell cursor
with the dispatcher (``.uno:GoToCell`` with ``ToPoint``) and enters the text
through a user path, never through the cell API (``setString``/``setValue``/
``setFormula`` write straight into locked cells).  ROUTE is one of:

``dispatch`` (default)
    ``.uno:EnterString`` with ``StringName``: what the macro recorder records
    when a person types into a cell and presses Enter.  It runs Calc's
    ``EnterData``: sheet protection is honoured, the text is recognised
    against the cell's number format as typed text is.  Data validity is NOT
    checked on this path.  The document is loaded ``Hidden``.
``keyboard``
    Key events through LibreOffice's UI-test service
    (``org.libreoffice.uitest.UITest``, ``grid_window`` ``TYPE``) into a
    visible (headless) frame, then Return: the very input handler a keyboard
    drives, with AutoCorrect, automatic percent entry and data validity.

Whether LibreOffice took an entry is judged by reading the cell back (reading
is harmless): unchanged content means refused, so type only text that differs
from what the cell holds.  Prints one JSON object::

    {"route": ..., "typed": [[sheet, cell, text, {"type", "string", "value"}], ...],
     "refused": [[sheet, cell, text, why], ...], "dialogs": [...], "seconds": {...}}

and exits 0; exits 3 when this LibreOffice lacks what the route needs (the
UI-test service), 2 with a message on stderr when it cannot be driven.
soffice is always terminated (its own process group) and the temporary
profile removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import uno  # LibreOffice's module: the system Python's python3-uno, not the project's
from com.sun.star.beans import PropertyValue

CONNECT_SECONDS = 30.0
XLSX_FILTER = "Calc MS Excel 2007 XML"
ROUTES = ("dispatch", "keyboard")


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


class Office:
    """A private soffice process and a UNO connection to it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pipe = f"hnbxl-lo-{os.getpid()}-{uuid.uuid4().hex}"
        profile = workdir / "profile"
        command = [
            shutil.which("soffice") or "soffice", "--headless", "--invisible", "--norestore",
            "--nologo", "--nodefault", "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            f"--accept=pipe,name={self.pipe};urp;",
        ]
        env = {**os.environ, "HOME": str(workdir)}
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env=env,
                                     start_new_session=True)
        self.ctx = self._connect()
        self.smgr = self.ctx.ServiceManager
        self.desktop = self.smgr.createInstanceWithContext("com.sun.star.frame.Desktop",
                                                           self.ctx)
        self.dispatcher = self.smgr.createInstanceWithContext(
            "com.sun.star.frame.DispatchHelper", self.ctx)

    def _connect(self) -> object:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + CONNECT_SECONDS
        while True:
            try:
                return resolver.resolve(url)
            except Exception as exc:  # NoConnectException until soffice listens
                if self.proc.poll() is not None:
                    raise RuntimeError(f"soffice exited with {self.proc.returncode}") from exc
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no connection to soffice in {CONNECT_SECONDS:g} s") \
                        from exc
                time.sleep(0.2)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the bridge goes away as soffice quits
            self.desktop.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=15)
        # soffice is a launcher (oosplash) with soffice.bin as its child: end the whole
        # process group this script started, and only that.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=15)


def content(doc: object, sheet: str, cell: str) -> dict[str, object]:
    c = doc.Sheets.getByName(sheet).getCellRangeByName(cell)
    return {"type": c.getType().value, "string": c.getString(), "value": c.getValue(),
            "formula": c.getFormula()}


class Unsupported(RuntimeError):
    """This LibreOffice cannot drive the route asked for."""


class Typist:
    """Moves the cursor as a person does and types through the chosen route."""

    def __init__(self, office: Office, doc: object, route: str) -> None:
        self.office, self.doc, self.route = office, doc, route
        self.controller = doc.getCurrentController()
        self.frame = self.controller.getFrame()
        self.dialogs: list[dict[str, object]] = []
        self.ui = None
        if route == "keyboard":
            try:
                self.ui = office.smgr.createInstanceWithContext(
                    "org.libreoffice.uitest.UITest", office.ctx)
            except Exception as exc:
                raise Unsupported(f"no org.libreoffice.uitest.UITest: {exc}") from exc
            if self.ui is None:
                raise Unsupported("this LibreOffice has no org.libreoffice.uitest.UITest")

    def dispatch(self, command: str, *args: PropertyValue) -> object:
        return self.office.dispatcher.executeDispatch(self.frame, command, "", 0, tuple(args))

    def go_to(self, sheet: str, cell: str) -> None:
        self.controller.setActiveSheet(self.doc.Sheets.getByName(sheet))
        self.dispatch(".uno:GoToCell", prop("ToPoint", cell))
        here = self.controller.getSelection().getCellAddress()
        want = self.doc.Sheets.getByName(sheet).getCellRangeByName(cell).getCellAddress()
        if (here.Sheet, here.Row, here.Column) != (want.Sheet, want.Row, want.Column):
            raise RuntimeError(f"the cursor did not reach {sheet}!{cell}")

    def type(self, sheet: str, cell: str, text: str) -> str | None:
        """Enter ``text`` at the cursor; a reason when LibreOffice visibly objected."""
        if self.route == "dispatch":
            self.dispatch(".uno:EnterString", prop("StringName", text))
            return None
        grid = self._grid()
        if grid is None:
            return "an earlier dialog is still open"
        grid.executeAction("TYPE", (prop("TEXT", text),))
        why = self._dialog(sheet, cell, "while typing")
        grid = self._grid()
        if grid is None:
            return why
        grid.executeAction("TYPE", (prop("KEYCODE", "RETURN"),))
        why = self._dialog(sheet, cell, "on Return") or why
        grid = self._grid()
        if grid is not None:  # a refused entry leaves the cell in edit mode: leave it
            grid.executeAction("TYPE", (prop("KEYCODE", "ESC"),))
        return why

    def _grid(self) -> object | None:
        top = self.ui.getTopFocusWindow()
        return top.getChild("grid_window") if "grid_window" in top.getChildren() else None

    def _dialog(self, sheet: str, cell: str, when: str) -> str | None:
        top = self.ui.getTopFocusWindow()
        if "grid_window" in top.getChildren():
            return None
        state = {p.Name: p.Value for p in top.getState()}
        seen = {"cell": f"{sheet}!{cell}", "when": when, "title": state.get("Text", ""),
                "buttons": [k for k in top.getChildren() if k]}
        self.dialogs.append(seen)
        return f"dialog {seen['title']!r} {when}"


def run(source: Path, target: Path, entries: list[list[str]], route: str) -> dict[str, object]:
    started = time.monotonic()
    seconds: dict[str, float] = {}
    workdir = Path(tempfile.mkdtemp(prefix="hnbxl-lo-"))
    office = None
    try:
        copy = workdir / ("in" + source.suffix)
        shutil.copyfile(source, copy)
        office = Office(workdir)
        seconds["connect"] = round(time.monotonic() - started, 2)
        doc = office.desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(str(copy)), "_blank", 0,
            (prop("Hidden", route == "dispatch"),))
        if doc is None:
            raise RuntimeError(f"LibreOffice could not open {source}")
        seconds["load"] = round(time.monotonic() - started, 2)
        typist = Typist(office, doc, route)
        typed, refused = [], []
        for sheet, cell, text in entries:
            before = content(doc, sheet, cell)
            typist.go_to(sheet, cell)
            why = typist.type(sheet, cell, text)
            after = content(doc, sheet, cell)
            if after != before:
                typed.append([sheet, cell, text, after])
            else:
                refused.append([sheet, cell, text, why or "cell unchanged"])
        seconds["type"] = round(time.monotonic() - started, 2)
        doc.storeToURL(uno.systemPathToFileUrl(str(target.resolve())),
                       (prop("FilterName", XLSX_FILTER), prop("Overwrite", True)))
        seconds["store"] = round(time.monotonic() - started, 2)
        doc.close(True)
        return {"route": route, "typed": typed, "refused": refused,
                "dialogs": typist.dialogs, "seconds": seconds}
    finally:
        if office is not None:
            office.close()
        shutil.rmtree(workdir, ignore_errors=True)
        seconds["total"] = round(time.monotonic() - started, 2)


def main(argv: list[str]) -> int:
    if len(argv) not in (4, 5) or (len(argv) == 5 and argv[4] not in ROUTES):
        print(__doc__, file=sys.stderr)
        return 2
    route = argv[4] if len(argv) == 5 else "dispatch"
    entries = json.loads(argv[3])
    try:
        report = run(Path(argv[1]), Path(argv[2]), entries, route)
    except Unsupported as exc:
        print(f"lo_client: {exc}", file=sys.stderr)
        return 3
    except Exception as exc:  # one readable line for the test's failure message
        print(f"lo_client: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
