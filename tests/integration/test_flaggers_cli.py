"""The flaggers as users meet them: `relecture flag` output shapes, and the demo's faulty system."""
from __future__ import annotations

import json
from pathlib import Path

from relecture.cli import main
from relecture.flaggers import DEFAULT_FLAGGERS, run_flaggers
from relecture.types import Segment

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "seed-fr"
JSONL_KEYS = {"seg_idx", "category", "severity", "start", "end", "on_source", "message", "flagger", "confidence"}


def test_flag_jsonl_on_the_seed(capsys) -> None:
    code = main(["flag", "--src", str(SEED / "src.fr"), "--hyp", str(SEED / "hyp.en"), "--format", "jsonl"])
    out, _ = capsys.readouterr()
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert rows and all(set(row) == JSONL_KEYS for row in rows)
    hyp = (SEED / "hyp.en").read_text(encoding="utf-8").splitlines()
    name = [r for r in rows if r["category"] == "accuracy/named-entity" and r["seg_idx"] == 6]
    assert any(hyp[6][r["start"]:r["end"]] == "Sergei Ryablakov" and "Riabkov" in r["message"] for r in name)
    garbled = {r["seg_idx"] for r in rows if r["category"] == "fluency/garbled"}
    assert {7, 8, 9, 12} <= garbled


def test_flag_text_names_the_span(capsys) -> None:
    code = main(["flag", "--src", str(SEED / "src.fr"), "--hyp", str(SEED / "hyp.en"), "--flaggers", "fluency"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "'Ukraine. Soviet Union.'" in out and "fluency/garbled" in out


def test_demo_faulty_system_is_flagged(demo) -> None:
    """sys-b of the demo carries 22 injected errors (data/demo/errors.json); sys-a none."""
    src = (demo / "src.fr").read_text(encoding="utf-8").splitlines()
    errors = json.loads((demo / "errors.json").read_text(encoding="utf-8"))
    flags = {}
    for system in ("sys-a", "sys-b"):
        hyp = (demo / f"{system}.en").read_text(encoding="utf-8").splitlines()
        flags[system] = run_flaggers([Segment(i, s, h) for i, (s, h) in enumerate(zip(src, hyp))], DEFAULT_FLAGGERS)
    assert not [f.message for f in flags["sys-a"] if f.severity != "minor"]
    found = [e for e in errors if any(f.seg_idx == e["seg_idx"] and f.category == e["category"] for f in flags["sys-b"])]
    # measured: 20 of the 22; the misses are two omitted clauses (segment 3 is reported as
    # missing names, segment 24 not at all)
    assert len(found) >= 19, [e for e in errors if e not in found]
