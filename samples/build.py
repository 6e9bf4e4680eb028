"""Rebuild the sample returns (and the reports they compile to) from returns.toml.

    python samples/build.py            # rewrite the samples in place
    python samples/build.py --check    # exit 1 if any committed sample is out of date

The samples are the returns staff would send for Feb-24 (the seed report) and
Mar-24, one workbook per owner, generated from the bundled Wiltshire
definition with the values filled in.  Generation is deterministic, so the
committed files can be compared byte for byte; a test runs ``--check``.
Mar-24's forms carry Feb-24 as last period, so the Feb-24 returns are compiled
into a throwaway working folder first, as the officer would.
"""

from __future__ import annotations

import sys
import tempfile
import tomllib
from datetime import date
from pathlib import Path

from hnbxl.api import compile_returns
from hnbxl.core.periods import Period
from hnbxl.forms.generate import form_filename, render_form
from hnbxl.forms.layout import build_layout
from hnbxl.programme.definition import load_programme
from hnbxl.store.workspace import Workspace
from hnbxl.xlsx.compare import first_difference

HERE = Path(__file__).resolve().parent
DUE = {"2024-02": date(2024, 3, 1), "2024-03": date(2024, 4, 5)}
EXTRACTED_ON = {"2024-02": date(2024, 3, 4), "2024-03": date(2024, 4, 8)}


def build(target: Path = HERE) -> dict[Path, bytes]:
    """Every sample file's path (under ``target``) and bytes."""
    returns = tomllib.loads((HERE / "returns.toml").read_text(encoding="utf-8"))
    programme = load_programme()
    files: dict[Path, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace(Path(tmp))
        for period_key in sorted(returns):
            period = Period.parse(period_key)
            last = workspace.history().snapshot_before(programme.id, period)
            folder = target / period_key
            written = []
            for owner, values in returns[period_key].items():
                layout = build_layout(programme, period, owner, last, DUE[period_key])
                path = folder / form_filename(programme, layout)
                files[path] = render_form(layout, values=values)
                staged = Path(tmp) / period_key / path.name
                staged.parent.mkdir(parents=True, exist_ok=True)
                staged.write_bytes(files[path])
                written.append(staged)
            out = Path(tmp) / "output" / f"{programme.id}-{period_key}.xlsx"
            result = compile_returns(workspace, written, out=out,
                                     extracted_on=EXTRACTED_ON[period_key])
            if not result.written:
                problems = "\n".join(f"  {i.code} {i.file} {i.place}: {i.message}"
                                     for i in result.issues if i.blocks())
                raise SystemExit(f"the {period_key} samples do not compile:\n{problems}")
            files[target / "expected" / out.name] = out.read_bytes()
            assert result.officer is not None  # the officer's workbook, beside it
            files[target / "expected" / result.officer.name] = result.officer.read_bytes()
    return files


def main(argv: list[str]) -> int:
    files = build()
    if "--check" in argv:
        stale = [p for p, data in files.items() if not p.exists() or p.read_bytes() != data]
        for path in stale:
            where = (first_difference(path.read_bytes(), files[path]) if path.exists()
                     else "no committed file")
            print(f"out of date: {path.relative_to(HERE.parent)}: {where}")
        if stale:
            print("run: python samples/build.py")
        return 1 if stale else 0
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
