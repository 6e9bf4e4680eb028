"""Speed and memory figures for hnbxl, printed as tables.

    python benchmarks/bench.py            # everything (about ten minutes)
    python benchmarks/bench.py --quick    # 1, 10 and 100 returns only
    python benchmarks/bench.py --reader   # the xlsx reader alone, 100 and 1,000 returns
    python benchmarks/bench.py --quick --against ../old-checkout   # before/after
    python benchmarks/bench.py --returns /tmp/returns   # keep the 1,000 returns made
    python benchmarks/bench.py --pdf      # compile with and without --pdf, and the ratio
    python benchmarks/bench.py --cache    # compile after validate, with and without the cache
    python benchmarks/bench.py --distinct # returns that share no sheet's bytes (worst case)

Figures (peak memory is the child process's max RSS, so each run is a fresh
interpreter; hnbxl's modules are imported before the clock starts, as
calamine's are):

* ``hnbxl --help`` start-up and validating one return through the command
  line, and whether pandas or XlsxWriter get imported;
* generating one workbook, and the three split workbooks;
* validating 1, 10, 100 and 1,000 returns in one process and in two worker
  processes, against two floors measured in the same run on the same files:
  openpyxl loading them, and python-calamine reading all their values
  (pip install '.[bench]'); with the CPU time of all processes and the
  workers' peak memory;
* how validation scales with workers: measured for 1 and 2 (this machine's
  cores) and projected for 4-16 from the share of the work left in the
  parent process (a projection, not a measurement);
* the xlsx reader alone (``read_workbook``, every cell of every sheet) on the
  same files, so a change to the reader can be told from one to validation;
* compiling the bundled samples, and 100 returns;
* compile after validate on the same 100 (and 1,000) returns, with the read
  cache (the readings validate kept are reused, none read again) and without;
* compiling each sample month with and without ``--pdf`` (the typeset paper),
  in one child process, alternating, median of 7, as a ratio (goal: 2x or less).

The machine may be shared: every figure is the minimum of runs interleaved
with the others (so load hits them alike), and "noise" is how far the median
run was above it; "load" is the 1-minute load average as that run ended.
Validate figures read every file (``read_cache=False``); the read cache has its
own section.  ``--against TREE`` runs the start-up and validate figures
for another checkout too, interleaved, so before/after come from one run.
"""

from __future__ import annotations

import json
import os
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


def run_child(code: str, tree: Path | None = None) -> dict:
    """Run ``code`` in a fresh interpreter; it prints a JSON dict; add its peak RSS.

    ``tree``: import hnbxl from that checkout instead of this one.
    """
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork+exec.
    wrapper = code + (
        "\nimport json as _j, re as _re\n"
        "_s = open('/proc/self/status').read()\n"
        "_r['peak_mib'] = int(_re.search(r'VmHWM:\\s+(\\d+)', _s).group(1)) / 1024\n"
        "import os as _os\n_r['load'] = _os.getloadavg()[0]\n"
        "print(_j.dumps(_r))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(tree or ROOT))
    # run in the tree itself: "python -c" puts the current folder first on sys.path
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True,
                         check=True, cwd=tree or ROOT, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def interleaved(runs: dict[str, object], repeat: int) -> dict[str, list[float]]:
    """Seconds of each callable in ``runs``, ``repeat`` times, taking turns."""
    times: dict[str, list[float]] = {what: [] for what in runs}
    for _ in range(repeat):
        for what, func in runs.items():
            start = time.perf_counter()
            func()  # type: ignore[operator]
            times[what].append(time.perf_counter() - start)
    return times


def noise(times: list[float]) -> str:
    low, mid = min(times), statistics.median(times)
    return f"noise +{(mid - low) / low:.0%} (median {mid:.3f} s, {len(times)} runs)"


def startup(against: Path | None = None, workbook: Path | None = None) -> list[dict]:
    """``hnbxl --help`` and validating one return, each tree's runs interleaved."""
    from hnbxl.store.workspace import init_workspace

    trees = {"": ROOT, " (against)": against} if against else {"": ROOT}
    runs: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        init_workspace(work)  # a working folder, where validate keeps its readings
        one = workbook or next(iter(sorted((SAMPLES / "2024-02").glob("*-send.xlsx"))))
        for label, tree in trees.items():
            env = dict(os.environ, PYTHONPATH=str(tree))
            cli = [sys.executable, "-c", "from hnbxl.cli import main; main()"]
            runs[f"hnbxl --help{label}"] = lambda cli=cli, env=env, tree=tree: subprocess.run(
                [*cli, "--help"], capture_output=True, check=True, env=env, cwd=tree)
            runs[f"hnbxl validate, one return{label}"] = (
                lambda cli=cli, env=env, tree=tree: (_cold(work), subprocess.run(
                    [*cli, "validate", "-w", str(work), str(one)], capture_output=True,
                    env=env, cwd=tree)))
        runs["python itself"] = lambda: subprocess.run([sys.executable, "-c", "pass"],
                                                       check=True)
        times = interleaved(runs, repeat=9)
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, hnbxl.cli; "
         "print(','.join(m for m in ('pandas','xlsxwriter','openpyxl','numpy') "
         "if m in sys.modules) or 'none')"], capture_output=True, text=True, check=True)
    rows = [{"what": what, "seconds": min(got), "note": noise(got)}
            for what, got in times.items()]
    rows[0]["note"] += f"; heavy modules imported: {heavy.stdout.strip()}"
    return rows


def _cold(work: Path) -> None:
    """Forget what validate kept in ``work``'s read cache (its key stays, as in a folder
    used before), so each run reads the return and keeps it again."""
    for pack in (work / ".hnbxl-cache").glob("*.pack"):
        pack.unlink()


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


def make_returns(folder: Path, count: int, distinct: bool = False) -> list[Path]:
    """``count`` distinct SEND returns for Feb-24 (the biggest form), as staff send them.

    The form is rendered once with a marker in the one cell that differs, and
    each return is that package with the marker replaced (``100 + i``): the
    same bytes XlsxWriter would write for each, made in a fraction of the time.
    So every other part is the same bytes in every return.  ``distinct``
    (``--distinct``) makes every sheet and the shared strings differ too (``i + 1``
    spaces after the XML declaration; the cells are the same): the worst case for
    the reader's keeping of parts it has validated before, where real returns,
    typed into and saved by Excel, fall between the two.
    """
    import io
    import zipfile

    from hnbxl.core.periods import Period
    from hnbxl.forms.generate import render_form
    from hnbxl.forms.layout import build_layout
    from hnbxl.programme.definition import load_programme

    programme = load_programme()
    values = tomllib.loads((SAMPLES / "returns.toml").read_text())["2024-02"]["send"]
    layout = build_layout(programme, Period(2024, 2), "send", None, date(2024, 3, 1))
    marker = 987654321
    vals = dict(values)
    vals["measures.needs_assessment_requests.figure"] = marker
    template = zipfile.ZipFile(io.BytesIO(render_form(layout, values=vals)))
    members = [(info, template.read(info)) for info in template.infolist()]
    assert sum(f"<v>{marker}</v>".encode() in data for _info, data in members) == 1
    paths = []
    for i in range(count):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info, data in members:
                data = data.replace(f"<v>{marker}</v>".encode(), f"<v>{100 + i}</v>".encode())
                if distinct and info.filename.startswith(("xl/worksheets/", "xl/sharedS")):
                    data = data.replace(b"?>", b"?>" + b" " * (i + 1), 1)
                target.writestr(info, data)
        path = folder / f"return-{i:04d}.xlsx"
        path.write_bytes(out.getvalue())
        paths.append(path)
    return paths


VALIDATE = """
import glob, inspect, os, resource, time
from pathlib import Path
from hnbxl.api import validate_returns
import hnbxl.returns.validate  # imported before the clock, as calamine's module is
from hnbxl.store.workspace import Workspace
paths = sorted(glob.glob({folder!r} + '/*.xlsx'))[:{n}]
known = inspect.signature(validate_returns).parameters
jobs = {{'jobs': {jobs}}} if 'jobs' in known else {{}}
if 'read_cache' in known:  # every run reads its files: the cache has its own rows
    jobs['read_cache'] = False
before = os.times()
start = time.perf_counter()
result = validate_returns(Workspace(Path({work!r})), paths, newest_wins=True, **jobs)
seconds = time.perf_counter() - start
after = os.times()
own = after.user - before.user + after.system - before.system
workers = (after.children_user - before.children_user
           + after.children_system - before.children_system)
_r = {{'seconds': seconds, 'values': len(result.values), 'cpu': own + workers,
       'parent_cpu': own, 'workers': bool(workers),
       'worker_peak_mib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}}
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
cpu = time.process_time()
cells = 0
for p in paths:
    wb = CalamineWorkbook.from_path(p)
    for name in wb.sheet_names:
        cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
_r = {{'seconds': time.perf_counter() - start, 'cells': cells,
       'cpu': time.process_time() - cpu}}
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


def validation(folder: Path, sizes: list[int], reader_only: bool = False, repeat: int = 3,
               against: Path | None = None) -> tuple[list[dict], list[dict]]:
    """Per size, every child run ``repeat`` times taking turns; the fastest run of each.

    Returns the validate rows and the scaling rows (1 and 2 workers, measured;
    4-16, projected).
    """
    rows: list[dict] = []
    scaling: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            children: list[tuple[str, str, Path | None]] = [
                ("hnbxl validate, 1 process", VALIDATE.replace("{jobs}", "1"), None)]
            if n >= 100:
                children.append(("hnbxl validate, 2 workers", VALIDATE.replace("{jobs}", "2"),
                                 None))
            if against is not None:
                children.append(("hnbxl validate, 1 process (against)",
                                 VALIDATE.replace("{jobs}", "1"), against))
            children.append(("hnbxl reader only", READER, None))
            if n < 1000:  # openpyxl takes a minute for 1,000
                children.append(("openpyxl load", OPENPYXL, None))
            if has_calamine():
                children.append(("calamine values", CALAMINE, None))
            if reader_only:
                children = [c for c in children if c[0] == "hnbxl reader only"]
            runs: dict[str, list[dict]] = {what: [] for what, _code, _tree in children}
            for _ in range(repeat if n <= 100 or reader_only else max(1, repeat // 2)):
                for what, code, tree in children:
                    runs[what].append(run_child(code.format(
                        folder=str(folder), n=n, work=str(Path(tmp) / f"w{n}")), tree))
            best = {what: min(got, key=lambda r: r["seconds"]) for what, got in runs.items()}
            floor = best.get("calamine values")
            for what, got in best.items():
                notes = [f"{n / got['seconds']:.0f} returns/s"]
                if floor:
                    notes.append(f"{got['seconds'] / floor['seconds']:.2f}x calamine")
                    if "cpu" in got:
                        notes.append(f"CPU {got['cpu']:.3f} s = "
                                     f"{got['cpu'] / floor['cpu']:.2f}x calamine's")
                if got.get("workers"):
                    notes.append(f"workers' peak {got['worker_peak_mib']:.0f} MiB")
                notes.append(noise([r["seconds"] for r in runs[what]]))
                rows.append({"what": f"{what}, {n} returns", "seconds": got["seconds"],
                             "peak MiB": got["peak_mib"], "load": got["load"],
                             "note": "; ".join(notes)})
            one, two = best.get("hnbxl validate, 1 process"), best.get(
                "hnbxl validate, 2 workers")
            if one and two and n == max(sizes):
                scaling = workers_scaling(n, one, two)
    return rows, scaling


def workers_scaling(n: int, one: dict, two: dict) -> list[dict]:
    """Measured 1 and 2 workers; Amdahl's projection for more from the parent's share.

    The parent's CPU time with workers (collecting and checking the reads
    across files) does not shrink with more workers; the rest divides.  On a
    loaded machine the measured speed-up is below what idle cores would give.
    """
    serial = min(1.0, two["parent_cpu"] / one["cpu"])
    rows = [{"what": f"{n} returns, 1 process", "seconds": one["seconds"], "note": ""},
            {"what": f"{n} returns, 2 workers", "seconds": two["seconds"],
             "note": f"measured speed-up {one['seconds'] / two['seconds']:.2f}x; "
                     f"CPU in all processes {two['cpu']:.3f} s (1 process: "
                     f"{one['cpu']:.3f} s); the parent's share {serial:.0%}"}]
    for workers in (4, 8, 16):
        speedup = 1 / (serial + (1 - serial) / workers)
        rows.append({"what": f"{n} returns, {workers} workers (projection)",
                     "seconds": one["seconds"] / speedup,
                     "note": f"projected {speedup:.1f}x by Amdahl's law from the parent's "
                             "share; not measured (this machine has "
                             f"{os.cpu_count()} cores)"})
    return rows


def compiling(returns: Path) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        feb = sorted(str(p) for p in (SAMPLES / "2024-02").glob("*.xlsx"))
        got = run_child(COMPILE.format(paths=feb, work=str(Path(tmp) / "samples")))
        rows.append({"what": "compile the Feb-24 samples (3 returns)",
                     "seconds": got["seconds"], "peak MiB": got["peak_mib"],
                     "load": got["load"], "note": ""})
        folder = Path(tmp) / "many"
        folder.mkdir()
        for path in sorted(returns.glob("*.xlsx"))[:98]:
            (folder / path.name).symlink_to(path)
        many = [str(p) for p in sorted(folder.glob("*.xlsx"))]
        others = [p for p in feb if not p.endswith("-send.xlsx")]
        paths = [*others, *many]
        got = run_child(COMPILE.format(paths=paths, work=str(Path(tmp) / "many-work")))
        floor = run_child(CALAMINE.format(folder=str(folder), n=100)) if has_calamine() else {}
        note = (f"{got['seconds'] / floor['seconds']:.2f}x calamine reading the 98 SEND "
                "returns" if floor else "")
        rows.append({"what": "compile 100 returns (--newest-wins)", "seconds": got["seconds"],
                     "peak MiB": got["peak_mib"], "load": got["load"], "note": note})
    return rows


CACHED = """
import time
from datetime import date
from pathlib import Path
from hnbxl.api import compile_returns, validate_returns
from hnbxl.store.workspace import init_workspace
paths = {paths}
work = init_workspace(Path({work!r}))  # a working folder: validate keeps readings only there
start = time.perf_counter()
if {step!r} == 'validate':
    validate_returns(work, paths, newest_wins=True, read_cache={cache})
    _r = {{'seconds': time.perf_counter() - start}}
else:
    result = compile_returns(work, paths, extracted_on=date(2024, 3, 4), newest_wins=True,
                             read_cache={cache})
    assert result.written and result.output is not None
    _r = {{'seconds': time.perf_counter() - start, 'reused': result.reused,
           'report': result.output.read_bytes().hex()}}
"""


def cached(returns: Path, sizes: list[int], repeat: int = 3) -> list[dict]:
    """``hnbxl validate`` then ``hnbxl compile`` of the same files, each step its own
    process as on the command line, with the read cache and without it.

    Each run is a fresh folder: validate reads every file (with the cache it also
    keeps each reading), then compile reads them again, or takes them from the
    cache.  The best of ``repeat`` runs of each figure, taking turns; the two
    reports must be the same bytes.
    """
    rows = []
    feb = sorted(str(p) for p in (SAMPLES / "2024-02").glob("*.xlsx"))
    others = [p for p in feb if not p.endswith("-send.xlsx")]
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            paths = [*others, *(str(p) for p in sorted(returns.glob("*.xlsx"))[:n - 2])]
            got: dict[str, list[dict]] = {}
            for i in range(repeat):
                for cache in (True, False):
                    work = str(Path(tmp) / f"c{n}-{i}-{cache}")
                    for step in ("validate", "compile"):
                        got.setdefault(f"{step} {cache}", []).append(run_child(
                            CACHED.format(paths=paths, work=work, step=step, cache=cache)))
            reports = {r["report"] for key in ("compile True", "compile False")
                       for r in got[key]}
            assert len(reports) == 1, "the report differs with the cache"
            best = {key: min(r["seconds"] for r in runs) for key, runs in got.items()}
            peak = {key: max(r["peak_mib"] for r in runs) for key, runs in got.items()}
            load = [round(r["load"], 2) for runs in got.values() for r in runs]
            saved = best["compile False"] - best["compile True"]
            note = f"loads {min(load):.2f}-{max(load):.2f}"
            rows += [
                {"what": f"validate {n} returns, keeping the readings", "seconds":
                 best["validate True"], "peak MiB": peak["validate True"], "load": max(load),
                 "note":
                 f"without the cache {best['validate False']:.3f} s "
                 f"({best['validate True'] / best['validate False'] - 1:+.0%}); {note}"},
                {"what": f"compile {n} returns after validate, read cache", "seconds":
                 best["compile True"], "peak MiB": peak["compile True"], "load": max(load),
                 "note":
                 f"{got['compile True'][0]['reused']} of {n} readings reused, none read "
                 f"again; without the cache {best['compile False']:.3f} s ({saved:.3f} s "
                 f"saved, {best['compile False'] / best['compile True']:.1f}x, peak "
                 f"{peak['compile False']:.0f} MiB); {note}"},
                {"what": f"validate + compile {n} returns", "seconds":
                 best["validate True"] + best["compile True"], "load": max(load), "note":
                 "without the cache "
                 f"{best['validate False'] + best['compile False']:.3f} s; {note}"},
            ]
    return rows


PAPER = """
import statistics, tempfile, time
from datetime import date
from pathlib import Path
from hnbxl.api import compile_returns
from hnbxl.store.workspace import Workspace
months = {months}
_r = {{}}
with tempfile.TemporaryDirectory() as tmp:
    def run(pdf, n):
        ws = Workspace(Path(tmp) / f"w{{n}}-{{int(pdf)}}")
        ws.root.mkdir()
        for i, (paths, day) in enumerate(months):
            start = time.perf_counter()
            result = compile_returns(ws, paths, extracted_on=date.fromisoformat(day), pdf=pdf,
                                     allow_queries=True)
            assert result.written
            times.setdefault((i, pdf), []).append(time.perf_counter() - start)
    times = {{}}
    run(True, -1)  # warm: typst's first compile loads its fonts
    for n in range(7):
        run(False, n)
        run(True, n)
    for (i, pdf), got in times.items():
        _r[f"{{i}}-{{int(pdf)}}"] = statistics.median(got)
"""


def paper() -> list[dict]:
    """Compile each sample month without and with --pdf, and the ratio of the two."""
    months = [(sorted(str(p) for p in (SAMPLES / m).glob("*.xlsx")), day)
              for m, day in (("2024-02", "2024-03-04"), ("2024-03", "2024-04-08"))]
    got = run_child(PAPER.format(months=months))
    rows = []
    for i, label in enumerate(("Feb-24, the first month", "Mar-24, with the appendix")):
        without, with_pdf = got[f"{i}-0"], got[f"{i}-1"]
        rows.append({"what": f"compile {label}", "without --pdf": without,
                     "with --pdf": with_pdf, "ratio": f"{with_pdf / without:.2f}x"})
    return rows


PDF_TITLE = "Compile with and without --pdf (median of 7)"


def measured(argv: list[str], sizes: list[int], against: Path | None,
             quick: bool) -> list[tuple[str, list[dict]]]:
    """Every section but --pdf's: on returns made once (or kept with --returns DIR)."""
    with tempfile.TemporaryDirectory() as tmp:
        # --returns DIR: returns made by an earlier run (make_returns), to save minutes
        folder = Path(argv[argv.index("--returns") + 1]) if "--returns" in argv else Path(tmp)
        have = len(list(folder.glob("return-*.xlsx")))
        if have < max(sizes):
            make_returns(folder, max(sizes), distinct="--distinct" in argv)
        if "--reader" in argv:
            rows, _ = validation(folder, sizes, reader_only=True, repeat=5)
            return [("Reader (best of 5)", rows)]
        if "--cache" in argv:
            return [("Compile after validate (the read cache)",
                     cached(folder, [100] if quick else [100, 1000]))]
        rows, scaling = validation(folder, sizes, against=against, repeat=3 if quick else 4)
        return [("Start-up", startup(against)), ("Generate", generation()),
                ("Validate", rows), ("Workers", scaling), ("Compile", compiling(folder)),
                ("Compile after validate (the read cache)",
                 cached(folder, [100] if quick else [100, 1000])),
                (PDF_TITLE, paper())]


def main(argv: list[str]) -> None:
    import pandas as pd

    quick = "--quick" in argv
    against = Path(argv[argv.index("--against") + 1]).resolve() if "--against" in argv else None
    sizes = [1, 10, 100] if quick else [1, 10, 100, 1000]
    if "--reader" in argv:
        sizes = [100, 1000]
    sections = ([(PDF_TITLE, paper())] if "--pdf" in argv
                else measured(argv, sizes, against, quick))
    print("load average (1, 5, 15 min) at the end:", " ".join(f"{v:.2f}" for v in
                                                                os.getloadavg()))
    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", 110)
    for title, rows in sections:
        if not rows:
            continue
        frame = pd.DataFrame(rows).astype(object).fillna("")
        for column in ("seconds", "without --pdf", "with --pdf"):
            if column in frame:
                frame[column] = frame[column].map(lambda s: f"{s:.3f}")
        if "load" in frame:  # the 1-minute load average as the run ended (2 cores, shared)
            frame["load"] = frame["load"].map(lambda v: f"{v:.2f}" if v != "" else "")
        if "peak MiB" in frame:
            frame["peak MiB"] = frame["peak MiB"].map(lambda m: f"{m:.0f}" if m != "" else "")
        print(f"\n{title}")
        print(frame.to_string(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])
