"""Our scores equal sacrebleu's CLI on the same files, to the last printed digit."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from relecture.cli import main

WIDTH = 6  # digits after the point asked of sacrebleu (its default prints 1)
SACRE_NAMES = {"bleu": "BLEU", "chrf": "chrF2", "chrf++": "chrF2++", "ter": "TER"}
SACRE_ARGS = {"bleu": ["-m", "bleu"], "chrf": ["-m", "chrf"], "chrf++": ["-m", "chrf", "--chrf-word-order", "2"], "ter": ["-m", "ter"]}


def sacrebleu_cli(ref: list[Path], hyp: Path, metric: str, sentence: bool = False) -> list[float]:
    args = [sys.executable, "-m", "sacrebleu", *map(str, ref), "-i", str(hyp), *SACRE_ARGS[metric], "-w", str(WIDTH), "-f", "json"]
    if sentence:
        args.append("-sl")
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    if sentence:
        # sentence mode prints "SIGNATURE = SCORE" lines whatever the format asked
        return [float(line.split(" = ", 1)[1].split()[0]) for line in out.splitlines() if line.strip()]
    return [json.loads(out)["score"]]


def ours(capsys, src: Path, refs: list[Path], hyp: Path, metrics: list[str], segments: bool = False) -> dict:
    argv = ["score", "--src", str(src), "--hyp", str(hyp), "--metrics", ",".join(metrics), "--format", "json", "--no-language-check"]
    for ref in refs:
        argv += ["--ref", str(ref)]
    if segments:
        argv.append("--segments")
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)["metrics"]


@pytest.mark.parametrize("metric", ["bleu", "chrf", "chrf++", "ter"])
@pytest.mark.parametrize("system", ["sys-a.en", "sys-b.en"])
def test_demo_corpus_and_segments(capsys, demo, metric, system):
    result = ours(capsys, demo / "src.fr", [demo / "ref.en"], demo / system, [metric], segments=True)[metric]
    assert round(result["score"], WIDTH) == sacrebleu_cli([demo / "ref.en"], demo / system, metric)[0]
    expected = sacrebleu_cli([demo / "ref.en"], demo / system, metric, sentence=True)
    assert [round(s, WIDTH) for s in result["segments"]] == expected


def test_demo_two_references(capsys, demo):
    refs = [demo / "ref.en", demo / "sys-a.en"]
    result = ours(capsys, demo / "src.fr", refs, demo / "sys-b.en", ["bleu", "chrf", "ter"])
    for metric in ("bleu", "chrf", "ter"):
        assert round(result[metric]["score"], WIDTH) == sacrebleu_cli(refs, demo / "sys-b.en", metric)[0]


@pytest.mark.parametrize("system", ["online-B.en", "rbmt-1.en", "JHU.2684.en"])
def test_wmt13(capsys, shared_data, system):
    wmt = shared_data / "wmt13-fr-en"
    result = ours(capsys, wmt / "src.fr", [wmt / "ref.en"], wmt / "systems" / system, ["bleu", "chrf", "ter"])
    for metric in ("bleu", "chrf", "ter"):
        assert round(result[metric]["score"], WIDTH) == sacrebleu_cli([wmt / "ref.en"], wmt / "systems" / system, metric)[0]
