"""The file-level language check in lingua's low-accuracy mode (trigram models only) against its
high-accuracy mode: per sampled line and per file, on the demo and on WMT12/13 (sources,
references and every system), side by side in one run. Then the function-word reading that
now comes first (eval/io/language.py clear_language): on WMT12/13, tune and test parts apart
(bench/splits.py), the share of lines it finds clearly in the expected language, and how often
the lingua-only check (French/English, then the 7-language detector) disagrees on those lines;
and on other languages' example sentences (spaCy's, when spaCy is installed), how many it
reads as that language.

    python bench/language.py [--data ../shared/data]

Low accuracy loads ~0.1 s of models instead of ~1-2 s (measured here), which is most of
`relecture score`'s start-up on small inputs; it is used only if its decisions match.
"""
from __future__ import annotations

import argparse
import time
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lingua import Language, LanguageDetectorBuilder
from relecture.io.language import MIN_WORDS, THIRD, clear_language, sample_indices, wide_detector
from relecture.io.text import read_lines
from splits import wmt_part

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
    function_words(args.data, low, high)


def function_words(data: Path, low: object, high: object) -> None:
    """Every 7th line of each WMT12/13 file (4 words or more), by part."""
    codes = {"Language.FRENCH": "fr", "Language.ENGLISH": "en"}
    counts = {part: [0, 0, 0] for part in ("tune", "test")}  # lines, clear, clear but lingua says otherwise
    for path, expected in files(data)[3:]:
        lines = read_lines(path)
        parts = [wmt_part(s) for s in read_lines(path.parent / "src.fr" if path.name != "src.fr" else path)] \
            if path.parent.name != "systems" else [wmt_part(s) for s in read_lines(path.parent.parent / "src.fr")]
        for i in range(0, len(lines), 7):
            if len(lines[i].split()) < MIN_WORDS:
                continue
            part = counts[parts[i]]
            part[0] += 1
            if clear_language(lines[i]) != expected:
                continue
            part[1] += 1
            code = codes.get(str(low.detect_language_of(lines[i])))  # type: ignore[attr-defined]
            if code not in (expected, None):
                code = codes.get(str(high.detect_language_of(lines[i])))  # type: ignore[attr-defined]
            third = wide_detector().detect_language_of(lines[i])
            part[2] += code not in (expected, None) or (third is not None and third.name in THIRD.values())
    for name, (n, clear, differ) in counts.items():
        print(f"function words, WMT {name}: {clear / max(n, 1):.1%} of {n} lines clear; lingua disagrees on {differ} of those ({differ / max(clear, 1):.1%})")
    try:
        import importlib

        for code in THIRD:
            sentences = importlib.import_module(f"spacy.lang.{code}.examples").sentences
            read = sum(clear_language(s) == code for s in sentences)
            print(f"  {THIRD[code].title()}: {read}/{len(sentences)} of spaCy's example sentences read as {THIRD[code].title()} "
                  "(the others are doubtful: lingua decides when they are many)")
    except ImportError:
        print("  (spaCy not installed: no third-language sentences)")


if __name__ == "__main__":
    main()
