"""A streamed run (block by block, inputs never held in memory) writes the same run folder as
the in-memory run: same segments.jsonl bytes, same results.json, report.md and report.html
payload (its evenly spaced sample included), comparisons and gates included."""
from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from relecture.cli import main
from relecture.report import html as html_report

N_SEGMENTS = 6000


@pytest.fixture(scope="module")
def corpus(demo, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("stream")
    texts = {name: (demo / name).read_text(encoding="utf-8").splitlines() for name in ("src.fr", "ref.en", "sys-a.en", "sys-b.en")}
    rng = random.Random(15)
    order = [rng.randrange(50) for _ in range(N_SEGMENTS)]
    for name, lines in texts.items():
        (work / name).write_text("".join(lines[i] + "\n" for i in order), encoding="utf-8")
    (work / "run.yaml").write_text(
        "name: stream\ntestset: {src: src.fr, refs: [ref.en]}\nsystems: {a: sys-a.en, b: sys-b.en}\n"
        "metrics: [bleu, chrf]\nbaseline: a\ngates: ['chrf: max_drop 0.5', 'bleu >= 10']\n"
        "reports: [json, jsonl, md, html, junit]\nworkers: 2\nengine: {block_size: 700}\n", encoding="utf-8")
    return work


def _results(folder: Path) -> dict:
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    data.pop("created")
    data["info"].pop("seconds")
    return data


def _payload(folder: Path) -> dict:
    page = (folder / "report.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S).group(1))
    data["info"].pop("created")
    data["info"].pop("seconds")
    data["info"].pop("config")  # the resolved config says engine.stream: true / false
    data["info"]["compare"].pop("created")
    return data


def test_streamed_run_equals_in_memory_run(corpus, monkeypatch, capsys):
    monkeypatch.chdir(corpus)
    monkeypatch.setattr(html_report, "HTML_SEGMENTS", 1000)  # the page embeds a sample at this size
    for mode in ("false", "true"):
        rc = main(["run", "-c", "run.yaml", "--set", f"engine.stream={mode}", "-o", f"out-{mode}", "--quiet"])
        assert rc == 1  # sys-b drops chrF by more than 0.5: the gate fails in both runs
    memory, streamed = corpus / "out-false", corpus / "out-true"
    assert (streamed / "segments.jsonl").read_bytes() == (memory / "segments.jsonl").read_bytes()
    assert _results(streamed) == _results(memory)
    assert _results(streamed)["gates"] and _results(streamed)["comparisons"][0]["ci"] is not None
    strip = lambda p: [line for line in p.read_text().splitlines() if not line.startswith("Run ")]
    assert strip(streamed / "report.md") == strip(memory / "report.md")
    page = _payload(streamed)
    assert page == _payload(memory)
    assert page["segments"] == 1000 and page["total_segments"] == N_SEGMENTS and page["seg_ids"][:3] == [0, 6, 12]
    assert sorted(p.name for p in streamed.iterdir()) == sorted(p.name for p in memory.iterdir())


def test_stream_needs_text_files_and_lexical_metrics(corpus, monkeypatch, capsys):
    monkeypatch.chdir(corpus)
    rc = main(["run", "-c", "run.yaml", "--set", "engine.stream=true", "--set", "metrics=[bleu, sim-src]", "-o", "x", "--quiet"])
    assert rc == 2
    assert "engine.stream needs" in capsys.readouterr().err
    assert not (corpus / "x").exists()


FLAG_SEGMENTS = 900  # three blocks of 300: each block goes to the flaggers' helper process (>= 200)


def test_streamed_run_with_flags_equals_in_memory_run(tmp_path):
    """Every default flagger, block by block on the driver and its helper, as subprocesses under a
    timeout (nothing hangs): the same segments.jsonl bytes (flags included), results.json and
    report.md as the in-memory run, and flags were found (German outputs, changed numbers)."""
    from relecture.flaggers import DEFAULT_FLAGGERS

    from ..faults import corpus as varied

    varied.write(tmp_path, FLAG_SEGMENTS, (42, 350, 822))
    (tmp_path / "run.yaml").write_text(
        "name: flags\ntestset: {src: src.fr, refs: [ref.en]}\nsystems: {sys: hyp.en}\nmetrics: [bleu, chrf]\n"
        f"flaggers: [{', '.join(DEFAULT_FLAGGERS)}]\nreports: [json, jsonl, md, html]\nengine: {{block_size: 300}}\n",
        encoding="utf-8")
    for mode in ("false", "true"):
        done = subprocess.run([sys.executable, "-m", "relecture", "run", "-c", "run.yaml", "--set", f"engine.stream={mode}",
                               "-o", f"out-{mode}", "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=1200)
        assert done.returncode == 0, done.stderr
    memory, streamed = tmp_path / "out-false", tmp_path / "out-true"
    assert (streamed / "segments.jsonl").read_bytes() == (memory / "segments.jsonl").read_bytes()
    assert _results(streamed) == _results(memory)
    strip = lambda p: [line for line in p.read_text().splitlines() if not line.startswith("Run ")]
    assert strip(streamed / "report.md") == strip(memory / "report.md")
    rows = [json.loads(line) for line in (streamed / "segments.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == FLAG_SEGMENTS
    assert {row["seg_idx"] for row in rows if any("German" in f["message"] for f in row["flags"])} >= {42, 350, 822}
    assert sum(len(row["flags"]) for row in rows) > 50


def test_flagging_in_parts_finds_what_one_call_finds(tmp_path):
    """The helper flags a streamed block in parts of HELPER_PART segments (bounded memory): parts
    of 40 give the findings of one call over 160 varied segments, every default flagger."""
    from relecture.flaggers import DEFAULT_FLAGGERS, sort_flags
    from relecture.flaggers.workers import _flag_all, flag_in_parts
    from relecture.registry import load
    from relecture.types import Segment

    from ..faults import corpus as varied

    varied.write(tmp_path, 160, (7, 61, 130))
    src = (tmp_path / "src.fr").read_text(encoding="utf-8").splitlines()
    hyp = (tmp_path / "hyp.en").read_text(encoding="utf-8").splitlines()
    segments = [Segment(i, s, h) for i, (s, h) in enumerate(zip(src, hyp))]
    flaggers = [load("flagger", name)() for name in DEFAULT_FLAGGERS]
    whole = sort_flags(_flag_all(flaggers, segments))
    parts = sort_flags(flag_in_parts(flaggers, segments, part=40))
    assert len(whole) > 10
    assert [f.to_dict() for f in parts] == [f.to_dict() for f in whole]
