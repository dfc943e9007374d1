"""The file-level language check in lingua's low-accuracy mode (trigram models only) against its
high-accuracy mode: per sampled line and per file, on the demo and on WMT12/13 (sources,
references and every system), side by side in one run.

    python bench/language.py [--data ../shared/data]

Low accuracy loads ~0.1 s of models instead of ~1-2 s (measured here), which is most of
`relecture score`'s start-up on small inputs; it is used only if its decisions match.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from lingua import Language, LanguageDetectorBuilder
from relecture.io.language import MIN_WORDS, sample_indices
from relecture.io.text import read_lines

REPO = Path(__file__).resolve().parents[1]


def files(data: Path) -> list[tuple[Path, str]]:
    found = [(REPO / "data/demo/src.fr", "fr"), (REPO / "data/demo/ref.en", "en"), (REPO / "data/demo/sys-a.en", "en")]
    for corpus in ("wmt12-fr-en", "wmt13-fr-en"):
        root = data / corpus
        if root.is_dir():
            found += [(root / "src.fr", "fr"), (root / "ref.en", "en")]
            found += [(p, "en") for p in sorted((root / "systems").glob("*.en"))]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    started = time.perf_counter()
    high = LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()
    high.detect_language_of("warm up the models")
    high_load = time.perf_counter() - started
    started = time.perf_counter()
    low = LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).with_low_accuracy_mode().build()
    low.detect_language_of("warm up the models")
    low_load = time.perf_counter() - started
    lines_total = lines_differ = files_total = files_differ = 0
    for path, expected in files(args.data):
        lines = read_lines(path)
        sample = [lines[i] for i in sample_indices(lines) if len(lines[i].split()) >= MIN_WORDS]
        a = [str(x) for x in high.detect_languages_in_parallel_of(sample)]
        b = [str(x) for x in low.detect_languages_in_parallel_of(sample)]
        target = "Language.FRENCH" if expected == "fr" else "Language.ENGLISH"
        # what the check does: low accuracy first, high accuracy only on the lines low calls wrong
        b = [str(high.detect_language_of(line)) if y not in (target, "None") else y for line, y in zip(sample, b)]
        differ = sum(x != y for x, y in zip(a, b))
        wrong_a = sum(x not in (target, "None") for x in a)
        wrong_b = sum(x not in (target, "None") for x in b)
        # the file-level outcome: error (> half wrong), warning (some wrong), ok
        outcome = lambda wrong: "error" if wrong > len(sample) / 2 else ("warning" if wrong else "ok")
        lines_total += len(sample)
        lines_differ += differ
        files_total += 1
        files_differ += outcome(wrong_a) != outcome(wrong_b)
        if differ:
            print(f"{path}: {differ}/{len(sample)} sampled lines differ; high {outcome(wrong_a)} ({wrong_a} wrong), low+confirm {outcome(wrong_b)} ({wrong_b} wrong)")
    print(f"model load + first line: high {high_load:.2f} s, low {low_load:.2f} s")
    print(f"sampled lines where high and low+confirm differ: {lines_differ}/{lines_total}")
    print(f"files whose outcome (ok / warning / error) differs: {files_differ}/{files_total}")


if __name__ == "__main__":
    main()
