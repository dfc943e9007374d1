"""COMET parity: our native loader (eval/metrics/comet.py) against the official unbabel-comet.

    PYTHONPATH=. python bench/comet_parity.py [--comet-python /tmp/comet-venv/bin/python] [--out DIR]
                                              [--save-fixture tests/data/comet]

The official package pins numpy<2 and transformers<5, so it lives in its own virtual
environment (`python3.11 -m venv /tmp/comet-venv && /tmp/comet-venv/bin/pip install
torch==2.13.0 unbabel-comet==2.2.7`).  Step 1 runs there (`--build`): it builds a tiny XLM-R and
a tiny XLM-R-XL encoder (config + a Unigram tokenizer trained on the demo data, no hub), then
one randomly initialised checkpoint per COMET class with the official classes (regression with
sparsemax layer mixing, referenceless regression, CometKiwi-style unified, XCOMET with error
spans), saves them in the official layout (hparams.yaml + checkpoints/model.ckpt), reloads each
with `comet.load_from_checkpoint` and scores the demo segments with `model.predict`.  Step 2
runs here: our loader scores the same checkpoints; the script prints both side by side and the
largest difference (goal: <= 1e-5), and compares the error spans.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
TOLERANCE = 1e-5
SEED = 7

MODELS = {
    # name: (class_identifier, encoder_model, extra hparams)
    "regression": ("regression_metric", "XLM-RoBERTa",
                   {"layer_transformation": "sparsemax", "layer_norm": True, "pool": "avg", "layer": "mix",
                    "hidden_sizes": [48, 24]}),
    "referenceless": ("referenceless_regression_metric", "XLM-RoBERTa",
                      {"layer_transformation": "softmax", "layer_norm": False, "pool": "avg", "layer": "mix",
                       "hidden_sizes": [32]}),
    "kiwi": ("unified_metric", "XLM-RoBERTa",
             {"layer_transformation": "softmax", "layer_norm": True, "sent_layer": "mix", "hidden_sizes": [48, 24],
              "input_segments": ["mt", "src"], "word_level_training": False, "final_activation": "Sigmoid"}),
    "xcomet": ("xcomet_metric", "XLM-RoBERTa-XL",
               {"layer_transformation": "sparsemax", "layer_norm": False, "sent_layer": "mix", "hidden_sizes": [40, 20],
                "word_layer": 2}),
}


def samples(limit: int = 24) -> list[dict[str, str]]:
    src = (DEMO / "src.fr").read_text(encoding="utf-8").splitlines()[:limit]
    ref = (DEMO / "ref.en").read_text(encoding="utf-8").splitlines()[:limit]
    mt = (DEMO / "sys-b.en").read_text(encoding="utf-8").splitlines()[:limit]
    rows = [{"src": s, "mt": m, "ref": r} for s, m, r in zip(src, mt, ref)]
    # one segment past the window (the truncation rule must match too)
    rows.append({"src": " ".join(src[:8]), "mt": " ".join(mt[:8]), "ref": " ".join(ref[:8])})
    return rows


# ---------------------------------------------------------------- step 1: in the official venv


def build_tokenizer(folder: Path) -> None:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import XLMRobertaTokenizerFast

    texts = []
    for name in ("src.fr", "ref.en", "sys-a.en", "sys-b.en"):
        texts += (DEMO / name).read_text(encoding="utf-8").splitlines()
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=600, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                      unk_token="<unk>", shrinking_factor=0.75)
    tok.train_from_iterator(texts, trainer)
    tok.add_special_tokens(["<mask>"])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)])
    fast = XLMRobertaTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>",
                                   cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
                                   model_max_length=256)
    fast.save_pretrained(str(folder))


def build_encoders(out: Path) -> dict[str, Path]:
    from transformers import XLMRobertaConfig, XLMRobertaXLConfig

    folders = {}
    for encoder_model, config_class in (("XLM-RoBERTa", XLMRobertaConfig), ("XLM-RoBERTa-XL", XLMRobertaXLConfig)):
        folder = out / ("encoder-xl" if encoder_model.endswith("XL") else "encoder")
        folder.mkdir(parents=True, exist_ok=True)
        build_tokenizer(folder)
        from transformers import AutoTokenizer

        vocab = len(AutoTokenizer.from_pretrained(str(folder)))
        config_class(vocab_size=vocab, hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
                     intermediate_size=64, max_position_embeddings=130, pad_token_id=1, bos_token_id=0,
                     eos_token_id=2, type_vocab_size=1).save_pretrained(str(folder))
        folders[encoder_model] = folder
    return folders


def build(out: Path) -> None:
    import torch
    import yaml
    from comet import load_from_checkpoint
    from comet.models import str2model

    out.mkdir(parents=True, exist_ok=True)
    encoders = build_encoders(out)
    rows = samples()
    official: dict[str, dict] = {}
    # pretrained_model paths are relative to the checkpoint root (the official loader resolves
    # them against the working folder; ours against the checkpoint folder)
    for name, (kind, encoder_model, extra) in MODELS.items():
        torch.manual_seed(SEED)
        root = out / name
        (root / "checkpoints").mkdir(parents=True, exist_ok=True)
        os.chdir(root)
        encoder_dir = f"../{encoders[encoder_model].name}"
        hparams = {"encoder_model": encoder_model, "pretrained_model": encoder_dir, "load_pretrained_weights": False,
                   "dropout": 0.1, **extra}
        if kind == "xcomet_metric":
            hparams.pop("input_segments", None)
        model = str2model[kind](**hparams)
        with torch.no_grad():
            for pname, param in model.named_parameters():
                if pname.startswith("encoder."):
                    continue  # the encoder keeps its own random init (initializer_range)
                param.normal_(0.0, 0.6)
            if hasattr(model, "hidden2tag"):
                # enough error tags for the span decoding to be exercised
                model.hidden2tag.weight.normal_(0.0, 2.0)
                model.hidden2tag.bias.copy_(torch.tensor([0.8, 0.4, 0.2, 0.0]))
        state = {"state_dict": model.state_dict(), "hyper_parameters": dict(model.hparams),
                 "pytorch-lightning_version": "2.6.6", "epoch": 0, "global_step": 0}
        torch.save(state, root / "checkpoints" / "model.ckpt")
        (root / "hparams.yaml").write_text(yaml.safe_dump(dict(model.hparams)), encoding="utf-8")
        # the official path: reload from disk and predict
        loaded = load_from_checkpoint(str(root / "checkpoints" / "model.ckpt"))
        loaded.eval()
        data = [dict(r) for r in rows]
        if kind == "referenceless_regression_metric" or name == "kiwi":
            data = [{"src": r["src"], "mt": r["mt"]} for r in rows]
        result = loaded.predict(data, batch_size=8, gpus=0, progress_bar=False, num_workers=0)
        entry = {"scores": [float(s) for s in result.scores]}
        if "metadata" in result and "error_spans" in result.metadata:
            entry["error_spans"] = [[{"start": s["start"], "end": s["end"], "severity": s["severity"],
                                      "confidence": float(s["confidence"])} for s in seg]
                                    for seg in result.metadata.error_spans]
        official[name] = entry
        os.chdir(out)
    import comet
    import transformers

    (out / "official_scores.json").write_text(json.dumps(
        {"versions": {"unbabel-comet": getattr(comet, "__version__", "2.2.7"), "transformers": transformers.__version__,
                      "torch": torch.__version__}, "samples": rows, "models": official}, indent=1), encoding="utf-8")
    print(f"built {len(official)} checkpoints in {out}")


# ---------------------------------------------------------------- step 2: here


def ours(out: Path) -> dict[str, dict]:
    from relecture.metrics.comet import COMET
    from relecture.types import Segment

    expected = json.loads((out / "official_scores.json").read_text(encoding="utf-8"))
    rows = expected["samples"]
    results = {}
    for name, (kind, _, _) in MODELS.items():
        with_ref = kind not in ("referenceless_regression_metric",) and name != "kiwi"
        segments = [Segment(i, r["src"], r["mt"], (r["ref"],) if with_ref else ()) for i, r in enumerate(rows)]
        metric = COMET(model=str(out / name), device="cpu", dtype="fp32")
        result = metric.score(segments)
        spans = None
        if "error_spans" in result.extra:
            spans = [[] for _ in rows]
            for span in result.extra["error_spans"]:
                spans[span["seg_idx"]].append(span)
        results[name] = {"scores": result.seg_scores, "spans": spans, "truncated": result.extra["truncated_segments"]}
    return results


def compare(out: Path) -> int:
    expected = json.loads((out / "official_scores.json").read_text(encoding="utf-8"))
    got = ours(out)
    worst_all = 0.0
    print(f"official: {expected['versions']}")
    print(f"{'model':14s} {'segments':>8s} {'official mean':>14s} {'ours mean':>12s} {'max |diff|':>11s} {'spans equal':>11s} truncated")
    for name, entry in expected["models"].items():
        off, mine = entry["scores"], got[name]["scores"]
        worst = max(abs(a - b) for a, b in zip(off, mine))
        worst_all = max(worst_all, worst)
        spans_ok = "-"
        if "error_spans" in entry:
            a = [[(s["start"], s["end"], s["severity"]) for s in seg] for seg in entry["error_spans"]]
            b = [[(s["start"], s["end"], s["severity"]) for s in seg] for seg in got[name]["spans"]]
            spans_ok = f"{'yes' if a == b else 'NO'} ({sum(map(len, a))})"
        print(f"{name:14s} {len(off):8d} {sum(off) / len(off):14.6f} {sum(mine) / len(mine):12.6f} {worst:11.2e} "
              f"{spans_ok:>11s} {got[name]['truncated']}")
    verdict = "PASS" if worst_all <= TOLERANCE else "FAIL"
    print(f"largest difference {worst_all:.2e} (goal <= {TOLERANCE:g}): {verdict}")
    return 0 if verdict == "PASS" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="(in the official venv) build and score")
    parser.add_argument("--out", default="/tmp/cache-3/comet-parity")
    parser.add_argument("--comet-python", default="/tmp/comet-venv/bin/python")
    parser.add_argument("--save-fixture", help="copy the tiny checkpoints and official scores to this folder")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    if args.build:
        build(out)
        return 0
    if not Path(args.comet_python).exists():
        print(f"no official COMET environment at {args.comet_python}: see this script's docstring", file=sys.stderr)
        return 2
    env = {**os.environ, "PYTHONPATH": "", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    subprocess.run([args.comet_python, str(Path(__file__).resolve()), "--build", "--out", str(out)], check=True, env=env)
    status = compare(out)
    if args.save_fixture:
        import shutil

        target = Path(args.save_fixture)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(out, target, ignore=shutil.ignore_patterns("__pycache__"))
        print(f"fixture saved in {target}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
