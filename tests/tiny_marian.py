"""A real Marian checkpoint built here: sentencepiece models trained on the demo's French and
English text, a MarianTokenizer over them, random weights (seeded) at the size asked. The tests
and bench/generate.py translate with it through the same code as an OPUS-MT checkpoint."""
from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FRENCH = [REPO / "data" / "demo" / "src.fr", REPO / "data" / "seed-fr" / "src.fr"]
ENGLISH = [REPO / "data" / "demo" / "ref.en", REPO / "data" / "demo" / "sys-a.en", REPO / "data" / "seed-fr" / "hyp.en"]


def _train_spm(files: list[Path], prefix: Path, vocab_size: int) -> None:
    import sentencepiece as spm

    text = prefix.with_suffix(".txt")
    text.write_text("".join(f.read_text(encoding="utf-8") for f in files), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(text), model_prefix=str(prefix), vocab_size=vocab_size, model_type="unigram",
        character_coverage=1.0, hard_vocab_limit=False, bos_id=-1, eos_id=-1, pad_id=-1, unk_id=0,
        num_threads=1, minloglevel=2)
    text.unlink()


def build_marian(folder: Path, d_model: int = 32, layers: int = 2, heads: int = 2, ffn: int = 64,
                 max_positions: int = 128, vocab_size: int = 400, seed: int = 0,
                 init_std: float = 0.3, eos_bias: float = 5.0) -> Path:
    """Save a MarianMTModel + MarianTokenizer checkpoint in `folder` and return it."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    _train_spm(FRENCH, folder / "source", vocab_size)
    _train_spm(ENGLISH, folder / "target", vocab_size)
    vocab = {"</s>": 0, "<unk>": 1, "<pad>": 2}
    for name in ("source", "target"):
        processor = spm.SentencePieceProcessor(model_file=str(folder / f"{name}.model"))
        for i in range(processor.get_piece_size()):
            vocab.setdefault(processor.id_to_piece(i), len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    for name in ("source", "target"):
        (folder / f"{name}.model").rename(folder / f"{name}.spm")
        (folder / f"{name}.vocab").unlink()
    tokenizer = MarianTokenizer(str(folder / "source.spm"), str(folder / "target.spm"), str(folder / "vocab.json"),
                                source_lang="fr", target_lang="en", model_max_length=max_positions)
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(seed)
    config = MarianConfig(
        vocab_size=len(vocab), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn, max_position_embeddings=max_positions, pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"], decoder_start_token_id=vocab["<pad>"], forced_eos_token_id=vocab["</s>"],
        scale_embedding=True, share_encoder_decoder_embeddings=True, init_std=init_std)
    model = MarianMTModel(config)
    # Random weights rarely choose end-of-sentence; a bias towards it ends outputs at varied
    # lengths, as a trained model's do, instead of every output running to max_new_tokens.
    with torch.no_grad():
        model.final_logits_bias[0, vocab["</s>"]] = eos_bias
    model.generation_config.max_new_tokens = 48
    model.generation_config.num_beams = 1
    model.save_pretrained(str(folder))
    return folder
