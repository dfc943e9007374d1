"""The native COMET loader against scores the official unbabel-comet 2.2.7 gave on tiny
randomly initialised checkpoints (tests/data/comet, built by bench/comet_parity.py)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from relecture.metrics.comet import COMET, load_state_dict, sparsemax  # noqa: E402
from relecture.encoders import ModelError  # noqa: E402
from relecture.types import Segment  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "comet"
OFFICIAL = json.loads((FIXTURE / "official_scores.json").read_text(encoding="utf-8"))
ROWS = OFFICIAL["samples"]
LONG_IDX = len(ROWS) - 1  # the sample built past the 128-position window


def segments(with_ref: bool) -> list[Segment]:
    return [Segment(i, r["src"], r["mt"], (r["ref"],) if with_ref else ()) for i, r in enumerate(ROWS)]


@pytest.mark.parametrize("name, with_ref, needs_reference", [
    ("regression", True, True),          # wmt22-comet-da style, sparsemax layer mix
    ("referenceless", False, False),     # COMET-QE style
    ("kiwi", False, False),              # CometKiwi: unified metric on mt+src
    ("xcomet", True, False),             # XCOMET (XLM-R XL encoder): scores and error spans
])
def test_scores_equal_the_official_package(name: str, with_ref: bool, needs_reference: bool) -> None:
    metric = COMET(model=str(FIXTURE / name), device="cpu", dtype="fp32")
    assert metric.needs_reference is needs_reference
    result = metric.score(segments(with_ref))
    expected = OFFICIAL["models"][name]["scores"]
    assert result.seg_scores == pytest.approx(expected, abs=1e-5)
    assert result.score == pytest.approx(sum(expected) / len(expected), abs=1e-5)
    # the over-long sample is cut as the official package cuts it, and reported
    assert LONG_IDX in result.extra["truncated_segments_ids"]
    assert result.extra["truncated_segments"] == len(result.extra["truncated_segments_ids"])


def test_xcomet_error_spans_equal_the_official_ones() -> None:
    result = COMET(model=str(FIXTURE / "xcomet"), device="cpu", dtype="fp32").score(segments(True))
    ours: list[list[tuple[int, int, str]]] = [[] for _ in ROWS]
    for span in result.extra["error_spans"]:
        ours[span["seg_idx"]].append((span["start"], span["end"], span["severity"]))
        assert span["severity"] in ("minor", "major", "critical") and span["start"] < span["end"]
    official = [[(s["start"], s["end"], s["severity"]) for s in seg] for seg in OFFICIAL["models"]["xcomet"]["error_spans"]]
    assert ours == official
    assert sum(map(len, official)) > 10


def test_safetensors_weights_give_the_same_scores(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    folder = tmp_path / "regression"
    (folder / "checkpoints").mkdir(parents=True)
    shutil.copy(FIXTURE / "regression" / "hparams.yaml", folder / "hparams.yaml")
    shutil.copytree(FIXTURE / "encoder", tmp_path / "encoder")
    state = load_state_dict(FIXTURE / "regression" / "checkpoints" / "model.ckpt")
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "checkpoints" / "model.safetensors"))
    result = COMET(model=str(folder), device="cpu", dtype="fp32").score(segments(True))
    assert result.seg_scores == pytest.approx(OFFICIAL["models"]["regression"]["scores"], abs=1e-5)


class Payload:
    """Anything a pickle could run on load: weights_only must refuse it."""


def test_pickled_code_in_a_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(1)}, "callbacks": Payload()}, path)
    with pytest.raises(ModelError, match="weights_only"):
        load_state_dict(path)


@pytest.mark.parametrize("hparams, message", [
    ("class_identifier: ranking_metric\n", "not supported"),
    ("class_identifier: regression_metric\nencoder_model: RemBERT\n", "encoder 'RemBERT'"),
])
def test_unsupported_checkpoints_fail_clearly(tmp_path: Path, hparams: str, message: str) -> None:
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "model.ckpt").write_bytes(b"")
    (tmp_path / "hparams.yaml").write_text(hparams, encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        COMET(model=str(tmp_path))


def test_unreachable_hub_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="cannot be fetched"):
        COMET(model="Unbabel/no-such-model-here")


@pytest.mark.parametrize("logits, expected", [
    ([1.0, 0.0], [1.0, 0.0]),
    ([0.5, 0.5], [0.5, 0.5]),
    ([1.0, 0.8, 0.0], [0.6, 0.4, 0.0]),
    ([0.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]),
])
def test_sparsemax(logits: list[float], expected: list[float]) -> None:
    assert sparsemax(torch.tensor(logits)).tolist() == pytest.approx(expected, abs=1e-6)
