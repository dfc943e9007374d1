"""The learned metric's model: its shipped weights file, the pairwise fit, the WMT tau formula."""
from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from relecture.meta import HumanData, Output, kendall_tau
from relecture.metrics.learned import (REF_MODEL_FEATURES, SRC_MODEL_FEATURES, WEIGHTS_PATH, Learned, LearnedQE,
                                       add_derived, apply_model, compute_qe_features, copy_rate, log_ratio)
from relecture.types import Segment

ROOT = Path(__file__).resolve().parents[2]


def trainer():
    import sys

    if "train_learned" in sys.modules:
        return sys.modules["train_learned"]
    spec = importlib.util.spec_from_file_location("train_learned", ROOT / "scripts" / "train_learned.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_learned"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.parametrize("pairs, scores, expected", [
    ([(0, "a", "b")], {(0, "a"): 2.0, (0, "b"): 1.0}, 1.0),
    ([(0, "a", "b")], {(0, "a"): 1.0, (0, "b"): 2.0}, -1.0),
    ([(0, "a", "b")], {(0, "a"): 1.0, (0, "b"): 1.0}, -1.0),  # a metric tie is discordant
    ([(0, "a", "b"), (1, "a", "b"), (1, "b", "c")],
     {(0, "a"): 3, (0, "b"): 1, (1, "a"): 2, (1, "b"): 2, (1, "c"): 0}, 1 / 3),
])
def test_kendall_tau_wmt_formula(pairs, scores, expected) -> None:
    assert kendall_tau(pairs, scores) == pytest.approx(expected)


def test_shipped_weights_name_their_data_seed_and_script() -> None:
    data = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    body = {k: v for k, v in data.items() if k != "sha256"}
    assert hashlib.sha256(json.dumps(body, indent=1, sort_keys=True).encode()).hexdigest() == data["sha256"]
    assert data["script"] == "scripts/train_learned.py" and isinstance(data["seed"], int)
    assert set(data["data_sha256"]) == {"wmt12", "wmt13", "bio", "demetr"}
    assert all(len(h) == 64 for part in data["data_sha256"].values() for h in part.values())
    for variant, allowed in (("ref", REF_MODEL_FEATURES), ("src", SRC_MODEL_FEATURES)):
        model = data["models"][variant]
        assert set(model["features"]) <= set(allowed)
        assert len(model["weights"]) == len(model["mean"]) == len(model["std"]) == len(model["features"])
        assert set(model["pairs"]) == {"wmt12", "wmt13", "bio", "demetr", "wmt12 systems", "wmt13 systems", "bio systems"}
    assert WEIGHTS_PATH.stat().st_size < 20_000  # ships in the package (10.9 KB)


def _dataset(seed: int, name: str):
    """A small data set with real structure (segments, systems, parts) and random features."""
    train = trainer()
    rng = np.random.default_rng(seed)
    systems = ["a", "b", "c"]
    keys = sorted((f"s{i}", sys) for i in range(30) for sys in systems)
    feats = {f: rng.normal(size=len(keys)) for f in REF_MODEL_FEATURES}
    quality = feats["chrf"] + 0.5 * feats["lm_logprob"]
    scores = {k: float(q) for k, q in zip(keys, quality)}
    outputs = {k: Output("src", "hyp", ("ref",)) for k in keys}
    part = {f"s{i}": "tune" if i % 3 else "test" for i in range(30)}
    return train.Dataset(name, HumanData(name, outputs, scores), keys, feats, part)


def test_retraining_writes_byte_identical_weights() -> None:
    train = trainer()
    sets = {name: _dataset(i, name) for i, name in enumerate(train.DATA_WEIGHTS)}
    first = json.dumps(train.train(sets, REF_MODEL_FEATURES), sort_keys=True)
    second = json.dumps(train.train({k: _dataset(i, k) for i, k in enumerate(train.DATA_WEIGHTS)}, REF_MODEL_FEATURES),
                        sort_keys=True)
    assert first == second
    model = json.loads(first)
    weights = dict(zip(model["features"], model["weights"]))
    assert weights["chrf"] > abs(weights["bleu"]) and weights["lm_logprob"] > 0  # it learned what made quality


def test_wmt13_is_fitted_on_every_fourth_line_and_measured_on_all() -> None:
    train = trainer()
    keys = sorted((str(i), sys) for i in range(12) for sys in ("a", "b"))
    feats = {"chrf": np.arange(len(keys), dtype=float)}
    part = {str(i): "tune" if i % 2 else "test" for i in range(12)}
    human = HumanData("wmt13", {k: Output("src", "hyp", ("ref",)) for k in keys}, judged=[(str(i), "a", "b") for i in range(12)])
    sets = {"wmt13": train.Dataset("wmt13", human, keys, feats, part), "bio": _dataset(0, "bio")}
    fitted = train.training_sets(sets)
    assert fitted["bio"] is sets["bio"]
    kept = fitted["wmt13"]
    assert [k for k, _ in kept.keys] == ["0", "0", "4", "4", "8", "8"]
    assert kept.feats["chrf"].tolist() == [float(keys.index(k)) for k in kept.keys]  # features follow their outputs
    assert [p[0] for p in kept.data.pairs] == ["0", "4", "8"] and set(kept.part) == {"0", "4", "8"}


def test_qe_feature_cache_is_keyed_on_the_code(tmp_path: Path) -> None:
    """A change to the flaggers' LM code must not reuse QE features cached before it."""
    train = trainer()
    for name in ("metrics/learned.py", "models.py", "flaggers/fluency.py", "flaggers/lexicon.json", "flaggers/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    first = train.qe_code_sha256(tmp_path)
    (tmp_path / "flaggers" / "notes.txt").write_text("not code\n", encoding="utf-8")
    assert train.qe_code_sha256(tmp_path) == first
    (tmp_path / "flaggers" / "fluency.py").write_text("x = 2\n", encoding="utf-8")
    assert train.qe_code_sha256(tmp_path) != first
    assert len(train.qe_code_sha256()) == 64  # the installed package's code


def test_signature_changes_with_the_weights(tmp_path: Path) -> None:
    data = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    data["models"]["ref"]["weights"][0] += 0.5
    body = {k: v for k, v in data.items() if k != "sha256"}
    data["sha256"] = hashlib.sha256(json.dumps(body, indent=1, sort_keys=True).encode()).hexdigest()
    other = tmp_path / "weights.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    assert Learned(weights=str(other)).signature_for("ref") != Learned().signature_for("ref")
    assert LearnedQE().signature().get("variant") == "src" and LearnedQE().name == "learned-qe"


def test_qe_features() -> None:
    segments = [Segment(0, "Le chat pèse 1 234,5 kg.", "The cat weighs 1,234.5 kg.", ()),
                Segment(1, "Il y a 3 chats.", "Il y a trois chats", ())]
    feats = compute_qe_features(segments)
    assert feats["number_mismatch"].tolist() == [0.0, pytest.approx(1 / 2)]  # '3' is missing from the output
    assert feats["end_punct_match"].tolist() == [1.0, 0.0]
    assert feats["french_share"][0] == 0.0 < feats["french_share"][1]
    assert feats["lm_logprob"][0] > feats["lm_logprob"][1]  # fluent English is likelier


def test_fit_is_deterministic_and_learns_the_ranking() -> None:
    train = trainer()
    rng = np.random.default_rng(0)
    true_w = np.array([2.0, -1.0, 0.0])
    diffs = rng.normal(size=(400, 3))
    # keep each pair oriented as a person would judge it under true_w
    diffs *= np.sign(diffs @ true_w)[:, None]
    first, second = train.fit(diffs), train.fit(diffs)
    assert np.array_equal(first, second)  # bit for bit
    assert first[0] > 0 > first[1] and abs(first[2]) < abs(first[1])


def test_apply_model_standardises_then_weighs() -> None:
    model = {"features": ["chrf", "sim_src"], "mean": [0.5, 0.8], "std": [0.1, 0.2], "weights": [1.0, -2.0]}
    feats = {"chrf": np.array([0.6, 0.5]), "sim_src": np.array([0.8, 1.0])}
    assert apply_model(model, feats).tolist() == pytest.approx([1.0, -2.0])


@pytest.mark.parametrize("hyp, src, expected", [
    ("The cat sleeps", "Le chat dort", 0.0),
    ("Le chat dort dans la maison", "Le chat dort dans la maison", 1.0),  # untranslated: words > 3 letters copied
    ("Emmanuel Macron spoke", "Emmanuel Macron a parlé", 2 / 3),
    ("", "Le chat", 0.0),
])
def test_copy_rate(hyp: str, src: str, expected: float) -> None:
    assert copy_rate(hyp, src) == pytest.approx(expected)


def test_log_ratio_is_finite_on_empty_text() -> None:
    assert log_ratio("", "a b c") == pytest.approx(np.log(1 / 4))


def test_derived_features_come_from_chrf_only_with_a_reference() -> None:
    feats = add_derived({"chrf": np.array([0.0, 0.25, 1.0])})
    assert feats["chrf_sqrt"].tolist() == [0.0, 0.5, 1.0]
    assert "chrf_sqrt" not in add_derived({"sim_src": np.array([0.5])})  # the reference-free variant
    assert "chrf_sqrt" in json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))["models"]["ref"]["features"]
