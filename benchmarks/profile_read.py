"""Where reading returns spends its time: cProfile of ``read_return`` over 100 returns.

    python benchmarks/profile_read.py [--returns DIR] [--out FILE.prof] [--distinct]

The returns are made as ``bench.py`` makes them (or taken from ``--returns``);
the form's layout is built before the clock, as a batch builds it once.  The
buckets overlap where one calls another (the workbook part's parse is expat),
and cProfile inflates Python-heavy code more than C, so compare runs of this
script with each other, not with bench.py's seconds.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BUCKETS = {
    "expat (the safety pass; with the handlers of event parses)":
        ("<method 'Parse' of 'pyexpat.xmlparser' objects>",),
    "inflating (zlib)": ("<method 'decompress' of 'zlib.Decompress' objects>",),
    "cutting a sheet's cells": ("sheet_fast",),
    "shared strings": ("strings_fast",),
    "workbook part, app, core, custom, rels": ("read_book_part", "text_property",
                                               "custom_properties", "relationships"),
    "number formats of kept cells": ("_finish",),
    "locked cells compared": ("_check_locked",),
    "inputs coerced": ("_read_inputs",),
}


def main(argv: list[str]) -> None:
    from bench import make_returns

    from hnbxl.returns.read import LayoutCache, read_return
    from hnbxl.store.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(argv[argv.index("--returns") + 1]) if "--returns" in argv else Path(tmp)
        if len(list(folder.glob("return-*.xlsx"))) < 100:
            make_returns(folder, 100, distinct="--distinct" in argv)
        paths = sorted(folder.glob("return-*.xlsx"))[:100]
        workspace = Workspace(Path(tmp) / "work")
        programme, history = workspace.programme(), workspace.history()
        layouts: LayoutCache = {}
        read_return(paths[0], programme, history, layouts=layouts)
        profile = cProfile.Profile()
        profile.enable()
        for path in paths:
            read_return(path, programme, history, layouts=layouts)
        profile.disable()
    if "--out" in argv:
        profile.dump_stats(argv[argv.index("--out") + 1])
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"read_return x 100: {total:.3f} s under cProfile")
    for what, names in BUCKETS.items():
        spent = sum(row[3] for (_f, _l, name), row in stats.stats.items()  # type: ignore[attr-defined]
                    if name in names)
        print(f"  {what:60s} {spent:6.3f} s {spent / total:6.1%}")
    stats.sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main(sys.argv[1:])
