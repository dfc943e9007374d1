"""Wall time of `relecture score` (BLEU + chrF + TER, all WMT13 systems) against the sacrebleu CLI
doing the same, side by side in one run; prints the ratio (goal for one system: <= 0.5), the CPU
seconds of each in one process, and checks every corpus score against sacrebleu's to the last
digit.

    python bench/lexical.py [--data ../shared/data/wmt13-fr-en] [--repeat 3] [--systems N]
    python bench/lexical.py --startup     # start-up on the demo, wall and CPU seconds

Both tools read the same files and print corpus scores; ours also checks the inputs (line counts,
UTF-8, language ID on a sample). Best of --repeat runs each, alternating, to damp machine noise.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd[:4])} ...\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def cpu_seconds(cmd: list[str]) -> float:
    """User + system CPU seconds of one run of cmd (and its children): unlike wall time, it does
    not grow when other processes load the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def startup(repeat: int) -> None:
    """`relecture score` on the demo (50 segments, BLEU+chrF+TER, language check on) against
    the sacrebleu CLI on the same files: wall and CPU seconds, best of `repeat` each."""
    demo = REPO / "data" / "demo"
    ours = [sys.executable, "-m", "relecture", "score", "--src", str(demo / "src.fr"), "--ref", str(demo / "ref.en"),
            "--hyp", str(demo / "sys-a.en")]
    sacre = [sys.executable, "-m", "sacrebleu", str(demo / "ref.en"), "-i", str(demo / "sys-a.en"), "-m", "bleu", "chrf", "ter"]
    walls = {"relecture score": [], "sacrebleu CLI": []}
    cpus = {"relecture score": [], "sacrebleu CLI": []}
    for _ in range(repeat):
        for name, cmd in (("relecture score", ours), ("sacrebleu CLI", sacre)):
            walls[name].append(timed(cmd)[0])
            cpus[name].append(cpu_seconds(cmd))
    print(f"start-up on the demo, best of {repeat}: " + "; ".join(
        f"{name} {min(walls[name]):.2f} s wall, {min(cpus[name]):.2f} s CPU" for name in walls))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "wmt13-fr-en")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--systems", type=int, default=0, help="first N systems only (0: all)")
    parser.add_argument("--startup", action="store_true", help="only the start-up on the demo")
    args = parser.parse_args()
    if args.startup:
        startup(max(args.repeat, 5))
        return
    systems = sorted((args.data / "systems").glob("*.en"))
    if args.systems:
        systems = systems[: args.systems]
    if not systems:
        sys.exit(f"no systems under {args.data / 'systems'}")
    ref, src = args.data / "ref.en", args.data / "src.fr"
    ours_cmd = [sys.executable, "-m", "relecture", "score", "--src", str(src), "--ref", str(ref), "--metrics", "bleu,chrf,ter", "--format", "json"]
    for path in systems:
        ours_cmd += ["--hyp", str(path)]
    sacre_cmd = [sys.executable, "-m", "sacrebleu", str(ref), "-i", *map(str, systems), "-m", "bleu", "chrf", "ter", "-f", "text", "-w", "4"]

    best_ours = best_sacre = float("inf")
    for _ in range(args.repeat):
        t, ours_out = timed(ours_cmd)
        best_ours = min(best_ours, t)
        t, sacre_out = timed(sacre_cmd)
        best_sacre = min(best_sacre, t)

    # CPU seconds, which load on the machine does not inflate: ours in one process (--workers 1;
    # a pool's workers are not all reaped as our children, so their CPU would be missed).
    cpu_ours = min(cpu_seconds(ours_cmd + ["--workers", "1"]) for _ in range(args.repeat))
    cpu_sacre = min(cpu_seconds(sacre_cmd) for _ in range(args.repeat))

    # Same numbers: our corpus BLEU against sacrebleu's table, system by system.
    ours_scores = json.loads(ours_out)
    ours_scores = ours_scores.get("systems", {Path(systems[0]).stem: ours_scores})
    agree = sum(f"{s['metrics']['bleu']['score']:.4f}" in sacre_out for s in ours_scores.values())
    print(f"data: {args.data} ({len(systems)} systems x {sum(1 for _ in open(src, encoding='utf-8'))} segments), metrics BLEU+chrF+TER")
    print(f"{'tool':28} {'best of ' + str(args.repeat) + ' (s)':>16}")
    print(f"{'relecture score':28} {best_ours:16.2f}")
    print(f"{'sacrebleu CLI':28} {best_sacre:16.2f}")
    print(f"ratio relecture/sacrebleu: {best_ours / best_sacre:.2f}  (goal <= 0.5 for one system)")
    print(f"CPU seconds, ours in one process (--workers 1): {cpu_ours:.1f} vs sacrebleu {cpu_sacre:.1f}: "
          f"{cpu_ours / cpu_sacre:.2f}x (the split over cores divides our part of the wall time further)")
    print(f"BLEU scores identical to sacrebleu's for {agree}/{len(ours_scores)} systems")
    exact(ours_scores, systems, ref)


def exact(ours_scores: dict, systems: list[Path], ref: Path) -> None:
    """Every corpus score against sacrebleu's own Python API on the same files, to the last digit
    (float equality, not a rounded print)."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    refs = [ref.read_text(encoding="utf-8").splitlines()]
    same = total = 0
    for path, (name, ours) in zip(systems, ours_scores.items()):
        hyps = path.read_text(encoding="utf-8").splitlines()
        for metric, cls in (("bleu", BLEU), ("chrf", CHRF), ("ter", TER)):
            total += 1
            same += ours["metrics"][metric]["score"] == cls().corpus_score(hyps, refs).score
    print(f"corpus BLEU, chrF and TER equal to sacrebleu's to the last digit: {same}/{total}")


if __name__ == "__main__":
    main()
