"""Speed and memory figures for hnbxl, printed as tables.

    python benchmarks/bench.py            # everything (a few minutes)
    python benchmarks/bench.py --quick    # 1, 10 and 100 returns only
    python benchmarks/bench.py --reader   # the xlsx reader alone, 100 and 1,000 returns

Figures (medians of repeated runs; peak memory is the child process's max RSS,
so each size runs in a fresh interpreter):

* ``hnbxl --help`` start-up, and whether pandas or XlsxWriter get imported;
* generating one workbook, and the three split workbooks;
* validating 1, 10, 100 and 1,000 returns, against two floors measured in the
  same run on the same files: openpyxl loading them, and python-calamine
  reading all their values (pip install '.[bench]');
* the xlsx reader alone (``read_workbook``, every cell of every sheet) on the
  same files, so a change to the reader can be told from one to validation;
* compiling the bundled samples, and 100 returns.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def median_time(func, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints a JSON dict; add its peak RSS."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork+exec.
    wrapper = code + (
        "\nimport json as _j, re as _re\n"
        "_s = open('/proc/self/status').read()\n"
        "_r['peak_mib'] = int(_re.search(r'VmHWM:\\s+(\\d+)', _s).group(1)) / 1024\n"
        "print(_j.dumps(_r))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def startup() -> list[dict]:
    hnbxl = Path(sys.executable).with_name("hnbxl")
    command = [str(hnbxl)] if hnbxl.exists() else [sys.executable, "-m", "hnbxl.cli"]
    seconds = median_time(lambda: subprocess.run([*command, "--help"], capture_output=True,
                                                 check=True), repeat=7)
    bare = median_time(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
                       repeat=7)
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, hnbxl.cli; "
         "print(','.join(m for m in ('pandas','xlsxwriter','openpyxl','numpy') "
         "if m in sys.modules) or 'none')"], capture_output=True, text=True, check=True)
    return [{"what": "hnbxl --help", "seconds": seconds, "note": f"python itself {bare:.3f} s; "
             f"heavy modules imported: {heavy.stdout.strip()}"}]


def generation() -> list[dict]:
    from hnbxl.core.periods import Period
    from hnbxl.forms.generate import render_form
    from hnbxl.forms.layout import build_layout
    from hnbxl.programme.definition import load_programme

    programme = load_programme()
    period = Period(2024, 2)
    one = median_time(lambda: render_form(build_layout(programme, period)), repeat=7)
    split = median_time(lambda: [render_form(build_layout(programme, period, owner))
                                 for owner in programme.owners], repeat=5)
    return [{"what": "generate one workbook (all sections)", "seconds": one, "note": ""},
            {"what": "generate three split workbooks", "seconds": split, "note": ""}]


def make_returns(folder: Path, count: int) -> list[Path]:
    """``count`` distinct SEND returns for Feb-24 (the biggest form), as staff send them."""
    from hnbxl.core.periods import Period
    from hnbxl.forms.generate import render_form
    from hnbxl.forms.layout import build_layout
    from hnbxl.programme.definition import load_programme

    programme = load_programme()
    values = tomllib.loads((SAMPLES / "returns.toml").read_text())["2024-02"]["send"]
    layout = build_layout(programme, Period(2024, 2), "send", None, date(2024, 3, 1))
    paths = []
    for i in range(count):
        vals = dict(values)
        vals["measures.needs_assessment_requests.figure"] = 100 + i
        path = folder / f"return-{i:04d}.xlsx"
        path.write_bytes(render_form(layout, values=vals))
        paths.append(path)
    return paths


VALIDATE = """
import time, glob
from pathlib import Path
from hnbxl.api import validate_returns
from hnbxl.store.workspace import Workspace
paths = sorted(glob.glob({folder!r} + '/*.xlsx'))[:{n}]
start = time.perf_counter()
result = validate_returns(Workspace(Path({work!r})), paths, newest_wins=True)
_r = {{'seconds': time.perf_counter() - start, 'values': len(result.values)}}
"""
READER = """
import time, glob
from hnbxl.xlsx.reader import read_workbook
paths = sorted(glob.glob({folder!r} + '/*.xlsx'))[:{n}]
start = time.perf_counter()
for p in paths:
    read_workbook(p)
_r = {{'seconds': time.perf_counter() - start}}
"""
OPENPYXL = """
import time, glob, openpyxl
paths = sorted(glob.glob({folder!r} + '/*.xlsx'))[:{n}]
start = time.perf_counter()
for p in paths:
    openpyxl.load_workbook(p)
_r = {{'seconds': time.perf_counter() - start}}
"""
CALAMINE = """
import time, glob
from python_calamine import CalamineWorkbook
paths = sorted(glob.glob({folder!r} + '/*.xlsx'))[:{n}]
start = time.perf_counter()
cells = 0
for p in paths:
    wb = CalamineWorkbook.from_path(p)
    for name in wb.sheet_names:
        cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
_r = {{'seconds': time.perf_counter() - start, 'cells': cells}}
"""
COMPILE = """
import time, glob
from datetime import date
from pathlib import Path
from hnbxl.api import compile_returns
from hnbxl.store.workspace import Workspace
paths = {paths}
start = time.perf_counter()
result = compile_returns(Workspace(Path({work!r})), paths, extracted_on=date(2024, 3, 4),
                         newest_wins=True)
assert result.written, [i.code for i in result.issues if i.blocks()]
_r = {{'seconds': time.perf_counter() - start}}
"""


def has_calamine() -> bool:
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return False
    return True


def validation(sizes: list[int], reader_only: bool = False, repeat: int = 3) -> list[dict]:
    """Best of ``repeat`` runs per size (one for 1,000 returns unless ``reader_only``)."""
    rows = []
    children = [("hnbxl validate", VALIDATE), ("hnbxl reader only", READER),
                ("openpyxl load", OPENPYXL), ("calamine values", CALAMINE)]
    if reader_only:
        children = children[1:2]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "returns"
        folder.mkdir()
        make_returns(folder, max(sizes))
        for n in sizes:
            best: dict[str, dict] = {}
            for _ in range(repeat if n <= 100 or reader_only else 1):
                for what, code in children:
                    if what == "calamine values" and not has_calamine():
                        continue
                    got = run_child(code.format(folder=str(folder), n=n,
                                                work=str(Path(tmp) / f"w{n}")))
                    if what not in best or got["seconds"] < best[what]["seconds"]:
                        best[what] = got
            floor = best.get("calamine values", {}).get("seconds")
            for what, got in best.items():
                ratio = f"{got['seconds'] / floor:.2f}x calamine" if floor else ""
                rate = f"{n / got['seconds']:.0f} returns/s"
                rows.append({"what": f"{what}, {n} returns", "seconds": got["seconds"],
                             "peak MiB": got["peak_mib"],
                             "note": f"{rate}; {ratio}" if ratio else rate})
    return rows


def compiling() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        feb = sorted(str(p) for p in (SAMPLES / "2024-02").glob("*.xlsx"))
        got = run_child(COMPILE.format(paths=feb, work=str(Path(tmp) / "samples")))
        rows.append({"what": "compile the Feb-24 samples (3 returns)",
                     "seconds": got["seconds"], "peak MiB": got["peak_mib"], "note": ""})
        folder = Path(tmp) / "many"
        folder.mkdir()
        many = [str(p) for p in make_returns(folder, 98)]
        others = [p for p in feb if not p.endswith("-send.xlsx")]
        paths = [*others, *many]
        got = run_child(COMPILE.format(paths=paths, work=str(Path(tmp) / "many-work")))
        floor = run_child(CALAMINE.format(folder=str(folder), n=100)) if has_calamine() else {}
        note = (f"{got['seconds'] / floor['seconds']:.2f}x calamine reading the 98 SEND "
                "returns" if floor else "")
        rows.append({"what": "compile 100 returns (--newest-wins)", "seconds": got["seconds"],
                     "peak MiB": got["peak_mib"], "note": note})
    return rows


def main(argv: list[str]) -> None:
    import pandas as pd

    quick = "--quick" in argv
    sizes = [1, 10, 100] if quick else [1, 10, 100, 1000]
    if "--reader" in argv:
        sections = [("Reader (best of 5)", validation([100, 1000], reader_only=True, repeat=5))]
    else:
        sections = [("Start-up", startup()), ("Generate", generation()),
                    ("Validate", validation(sizes)), ("Compile", compiling())]
    pd.set_option("display.width", 140)
    pd.set_option("display.max_colwidth", 80)
    for title, rows in sections:
        frame = pd.DataFrame(rows).fillna("")
        if "seconds" in frame:
            frame["seconds"] = frame["seconds"].map(lambda s: f"{s:.3f}")
        if "peak MiB" in frame:
            frame["peak MiB"] = frame["peak MiB"].map(lambda m: f"{m:.0f}" if m != "" else "")
        print(f"\n{title}")
        print(frame.to_string(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])
