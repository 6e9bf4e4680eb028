"""Kill compiles at random moments, hundreds of times, and check every aftermath (issue 9).

    PYTHONPATH=. python benchmarks/kill_compiles.py              # 300 kills, seed 9
    PYTHONPATH=. python benchmarks/kill_compiles.py --kills 1000 --seed 1 --pdf-share 0.5

Each round compiles Feb-24's sample returns in a forked child (a first
compile or a recompile, with or without the PDF, which typst typesets in
the compile's own process) and SIGKILLs it at a random moment: half of
the kills anywhere in the run, half 0-12 ms after publishing starts
(the moment its trace file appears), where the crash windows are.  After every kill
the next command's recovery runs, and disk and history must agree; the
current report must be byte-identical to the committed expected one.  The
step each child reached last is counted (``HNBXL_CRASH_TRACE``), so the
summary says where the kills landed.  Exit 1 on any disagreement.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.store import crashkit

EXPECTED = (crashkit.ROOT / "samples" / "expected" / "wiltshire-hnb-2024-02.xlsx").read_bytes()


def _phase(last: str | None) -> str:
    if last is None:
        return "before publishing (reading, rating, rendering)"
    if last.startswith("pending"):
        return f"recording pending ({last})"
    if last.startswith(("stage", "rename")) or last == "renamed":
        return last.split(":")[0] if last != "renamed" else "renamed, before done"
    return f"marking done ({last})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--pdf-share", type=float, default=0.3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="hnbxl-kills-") as tmp:
        base = Path(tmp)
        trace = base / "trace.txt"
        ws = crashkit.fresh_folder(base / "work")
        # How long a compile takes.
        timing = crashkit.run_child(ws, False, {"HNBXL_CRASH_TRACE": str(trace)})
        assert timing.exit_code == 0, timing
        whole = timing.seconds
        kills = rounds = 0
        landed: collections.Counter[str] = collections.Counter()
        outcomes: collections.Counter[str] = collections.Counter()
        started = time.monotonic()
        while kills < args.kills:
            rounds += 1
            if rng.random() < 0.1 and ws.history().compiles():  # now and then a first compile
                ws = crashkit.fresh_folder(base / f"work-{rounds}")
            before = len(ws.history().compiles())
            pdf = rng.random() < args.pdf_share
            trace.unlink(missing_ok=True)
            env = {"HNBXL_CRASH_TRACE": str(trace)}
            if rounds % 2:
                death = crashkit.run_child(ws, pdf, env, kill_after=rng.uniform(0, whole))
            else:  # publishing lasts milliseconds: aim from the moment it starts
                death = crashkit.run_child(ws, pdf, env, kill_after=rng.uniform(0, 0.012),
                                           clock_starts=trace.exists)
            if death.signal is None:
                outcomes["finished before the kill"] += 1
                continue
            kills += 1
            steps = trace.read_text().split() if trace.exists() else []
            landed[_phase(steps[-1] if steps else None)] += 1
            crashkit.check_agreement(ws)
            after = len(ws.history().compiles())
            outcomes["old state" if after == before else "new state"] += 1
            current = [r for r in ws.history().compiles() if r.active]
            if current:
                assert (ws.root / current[0].output).read_bytes() == EXPECTED
        final = crashkit.compile_once(ws)
        assert final.output.read_bytes() == EXPECTED
        crashkit.check_agreement(ws)
        seconds = time.monotonic() - started
    print(f"{kills} kills in {rounds} rounds ({seconds:.0f} s; a compile takes {whole:.2f} s; "
          f"seed {args.seed}): "
          "disk and history agreed after every one.")
    for name, count in sorted(outcomes.items()):
        print(f"  {count:5}  {name}")
    print("where the kills landed (last step reached):")
    for name, count in landed.most_common():
        print(f"  {count:5}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
