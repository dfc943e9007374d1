"""sim-ref and bertscore on a tiny built BERT: the scoring rules, the window rule, idf, hashes."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from relecture.metrics.semantic import BERTScore, SimRef, idf_weights  # noqa: E402
from relecture.encoders import ModelError, get_token_encoder, length_batches, verify_sha256  # noqa: E402
from relecture.types import Segment  # noqa: E402

from tests.unit.tiny_models import build_tiny_bert  # noqa: E402

LONG = " ".join(["the red cat sat on the blue mat and the dog was in the house"] * 4)  # 60 pieces > window 24


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build_tiny_bert(tmp_path_factory.mktemp("tiny-bert")))


def segs(pairs: list[tuple[str, str]]) -> list[Segment]:
    return [Segment(i, "", hyp, (ref,)) for i, (hyp, ref) in enumerate(pairs)]


@pytest.mark.parametrize("hyp, ref, expected", [
    ("the cat sat on the mat", "the cat sat on the mat", 1.0),
    ("a big red house", "a big red house", 1.0),
    ("", "the dog", 0.0),  # an empty output matches nothing
])
def test_bertscore_fixed_points(tiny: str, hyp: str, ref: str, expected: float) -> None:
    result = BERTScore(model=tiny).score(segs([(hyp, ref)]))
    assert result.seg_scores[0] == pytest.approx(expected, abs=1e-6)


def test_bertscore_precision_and_recall_swap_with_the_arguments(tiny: str) -> None:
    metric = BERTScore(model=tiny)
    forward, _ = metric.prf(segs([("the cat sat", "a dog was on the mat")]))
    backward, _ = metric.prf(segs([("a dog was on the mat", "the cat sat")]))
    (p1, r1, f1), (p2, r2, f2) = forward[0], backward[0]
    assert (p1, r1) == pytest.approx((r2, p2), abs=1e-6)
    assert f1 == pytest.approx(f2, abs=1e-6)
    assert f1 == pytest.approx(2 * p1 * r1 / (p1 + r1), abs=1e-9)


def test_sim_ref_is_one_for_identical_and_below_for_different(tiny: str) -> None:
    result = SimRef(model=tiny).score(segs([("the cat", "the cat"), ("the cat", "blue house and red mat")]))
    assert result.seg_scores[0] == pytest.approx(1.0, abs=1e-6)
    assert result.seg_scores[1] < 0.9999
    assert result.score == pytest.approx(sum(result.seg_scores) / 2)


def test_long_segments_are_split_not_cut_and_counted(tiny: str) -> None:
    encoder = get_token_encoder(tiny)
    pieces = len(encoder.tokenizer(LONG, add_special_tokens=False)["input_ids"])
    assert pieces > encoder.window
    encoded = encoder.encode([LONG])[0]
    assert encoded.split and len(encoded.ids) == pieces + 2  # every piece kept, one [CLS] and one [SEP]
    result = BERTScore(model=tiny).score(segs([("the cat", "the cat"), (LONG, "the cat"), ("a dog", LONG)]))
    assert result.extra["split_segments"] == 2
    assert result.extra["split_segments_ids"] == [1, 2]


def test_scores_do_not_depend_on_batch_neighbours(tiny: str) -> None:
    alone = BERTScore(model=tiny, batch_tokens=64).score(segs([("the cat sat on the mat", "a cat on a mat")]))
    mixed = BERTScore(model=tiny, batch_tokens=64).score(
        segs([("the cat sat on the mat", "a cat on a mat"), (LONG, LONG), ("red", "blue")]))
    assert alone.seg_scores[0] == pytest.approx(mixed.seg_scores[0], abs=1e-5)


@pytest.mark.parametrize("refs, piece, expected", [
    (["cat dog", "cat mat"], "cat", math.log(3 / 3)),
    (["cat dog", "cat mat"], "dog", math.log(3 / 2)),
    (["cat dog", "cat mat", "red"], "red", math.log(4 / 2)),
])
def test_idf_weights_follow_bert_score(tiny: str, refs: list[str], piece: str, expected: float) -> None:
    encoder = get_token_encoder(tiny)
    weights = idf_weights(encoder.encode(refs), encoder.special_ids)
    piece_id = encoder.tokenizer.convert_tokens_to_ids(piece)
    assert weights[piece_id] == pytest.approx(expected)
    assert all(weights[s] == 0.0 for s in encoder.special_ids)


def test_idf_changes_scores_and_signature(tiny: str) -> None:
    pairs = [("the cat sat on the mat", "the cat is on the mat"), ("a dog", "the dog")]
    plain, idf = BERTScore(model=tiny), BERTScore(model=tiny, idf=True)
    assert plain.score(segs(pairs)).seg_scores != idf.score(segs(pairs)).seg_scores
    assert idf.signature().get("idf") == "refs" and plain.signature().get("idf") == "no"


def test_signature_names_model_weights_libraries_device_dtype(tiny: str) -> None:
    signature = str(BERTScore(model=tiny).signature())
    for part in ("bertscore|", "sha256:", "transformers:", "torch:", "device:cpu", "dtype:fp32", "window:24"):
        assert part in signature


def test_wrong_weights_hash_is_an_error(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"not the weights")
    with pytest.raises(ModelError, match="sha256"):
        verify_sha256(weights, "0" * 64, "some-model")


def test_missing_reference_is_a_usage_error(tiny: str) -> None:
    from relecture.errors import UsageError

    with pytest.raises(UsageError, match="needs a reference"):
        BERTScore(model=tiny).score([Segment(0, "src", "hyp")])


def test_cpu_batches_hold_one_length_and_match_padded_batches(tiny: str) -> None:
    lengths = [5, 3, 5, 7, 3, 3, 9, 5]
    for one_length in (True, False):
        batches = length_batches(lengths, 64, 128, one_length=one_length)
        assert sorted(w for b in batches for w in b) == list(range(len(lengths)))
        assert all(len(b) * max(lengths[w] for w in b) <= 64 for b in batches)
    assert all(len({lengths[w] for w in b}) == 1 for b in length_batches(lengths, 64, 128, one_length=True))
    assert length_batches([3, 1, 4], 64, 128) == [[1, 0, 2]]  # GPU: neighbouring lengths share a padded batch
    encoder = get_token_encoder(tiny, "cpu", "fp32", batch_tokens=64)
    assert encoder._batches(lengths) == length_batches(lengths, 64, encoder.max_batch, one_length=True)
    texts = ["the cat sat on the mat", "red", "a big red house by the sea", "the dog", "blue mat"]
    encoder.clear()
    exact = [e.vectors.clone() for e in encoder.encode(texts)]
    # the padded, masked path (GPU batches) gives the same token vectors
    encoder._batches = lambda lengths: length_batches(lengths, 10_000, 128)  # type: ignore[method-assign]
    try:
        encoder.clear()
        padded = [e.vectors for e in encoder.encode(texts)]
    finally:
        del encoder._batches
        encoder.clear()
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(exact, padded))


def test_cpu_batches_on_several_threads_give_the_vectors_of_one_thread(tiny: str) -> None:
    # 300 texts of many lengths: dozens of one-length batches spread over the worker threads
    words = "the red cat sat on the blue mat and the dog was in the house by the sea".split()
    texts = [" ".join(words[i % 7: i % 7 + 1 + i % 13]) + f" {i}" for i in range(300)]
    encoder = get_token_encoder(tiny, "cpu", "fp32", batch_tokens=64)
    threads_before = torch.get_num_threads()
    workers = encoder.workers
    try:
        encoder.workers = 1
        encoder.clear()
        one = [e.vectors.clone() for e in encoder.encode(texts)]
        encoder.workers = 4
        encoder.clear()
        assert len(encoder._batches([len(encoder.tokenizer(t)["input_ids"]) for t in texts])) > 8
        several = [e.vectors for e in encoder.encode(texts)]
    finally:
        encoder.workers = workers
        encoder.clear()
    assert all(torch.equal(a, b) for a, b in zip(one, several))  # bit for bit, not merely close
    assert torch.get_num_threads() == threads_before  # the intra-op setting is restored


def test_progress_in_units_adds_up_to_the_units(tiny: str) -> None:
    encoder = get_token_encoder(tiny, "cpu", "fp32", batch_tokens=64)
    texts = [f"the cat number {i} sat on the mat" for i in range(40)]
    seen: list[int] = []
    encoder.clear()
    encoder.encode(texts[:10])  # a memo hit reports nothing of its own: the units still add up
    encoder.encode(texts + texts, seen.append, units=7)
    assert sum(seen) == 7 and all(n > 0 for n in seen)
    seen.clear()
    encoder.encode(texts, seen.append, units=5)  # every text already known
    assert seen == [5]
    encoder.clear()
