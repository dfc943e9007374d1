"""Tiny randomly initialised models built in a temporary folder (no hub, no packaged weights):
they exercise the loading, batching, windowing and caching code in a fraction of a second."""
from __future__ import annotations

from pathlib import Path

WORDS = ("the a cat dog sat on mat house red blue big small is was and of to in it "
         "le la chat chien sur tapis maison rouge bleu est et de un une").split()


def build_tiny_bert(folder: Path, max_positions: int = 24, seed: int = 0) -> Path:
    """A 2-layer BERT with a word-level vocabulary and a `max_positions` window."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    try:  # transformers >= 5 takes the vocabulary itself; 4.x a vocab file
        tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    except TypeError:
        tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    assert tokenizer.convert_tokens_to_ids("cat") == vocab.index("cat")
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=max_positions)
    BertModel(config).save_pretrained(str(folder))
    return folder
