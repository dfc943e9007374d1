"""The run config: YAML (or keyword values) -> a validated RunConfig.

Unknown keys and wrong types are ConfigErrors (exit 2) that name the key and suggest the
closest valid one. Paths stay as written; `resolve_path` finds them relative to the config file
first, then the current folder.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import registry
from .errors import ConfigError
from .flaggers.base import Flagger
from .gates import parse_gates, plugin_categories
from .generate.spec import validate_system
from .registry import resolve_plugin, suggest
from .schema import check_keys, short_repr

# key -> (accepted types, default). Nested dicts are described by nested schemas.
TESTSET_SCHEMA: dict[str, tuple[tuple[type, ...], Any]] = {
    "name": ((str,), None),
    "src": ((str,), None),               # a text file, one segment a line
    "refs": ((list, str), []),           # text files (one per reference)
    "path": ((str,), None),              # a table: .jsonl, .tsv, .csv, .parquet, .json
    "format": ((str,), None),            # override the format the extension implies
    "hf": ((str,), None),                # a Hugging Face dataset: hub name or local folder
    "config": ((str,), None),            # its config name (e.g. "fr-en")
    "split": ((str,), "test"),
    "columns": ((dict,), {}),            # role -> column: src, ref, refs, hyp, doc_id
    "limit": ((int,), None),             # first N segments only
    "system": ((str,), None),            # name for a hyp column found in the table
    "document": ((str, dict), None),     # documents to align (eval/documents/load.py)
}

RUN_SCHEMA: dict[str, tuple[tuple[type, ...], Any]] = {
    "name": ((str,), "run"),
    "testset": ((dict,), None),
    "systems": ((dict,), {}),
    "metrics": ((list, str), ["bleu", "chrf", "ter"]),
    "flaggers": ((list, str), []),
    "reports": ((list, str), ["json", "jsonl", "md", "html"]),
    "output_dir": ((str,), "runs"),
    "check_language": ((bool,), True),
    "baseline": ((str,), None),          # system the others are compared against (compare/gates)
    "gates": ((list, dict), []),         # validated by eval.gates
    "plugins": ((list,), []),            # "module:Class" of user metrics and flaggers
    "workers": ((int,), 0),              # processes for lexical metrics; 0 = all cores
    "engine": ((dict,), {}),             # how blocks run (ENGINE_SCHEMA); changes no result
}

ENGINE_SCHEMA: dict[str, tuple[tuple[type, ...], Any]] = {
    "stream": ((bool, str), "auto"),     # read/score/write block by block: true, false, auto (large inputs)
    "block_size": ((int,), 5_000),       # segments a block holds (a worker holds ~40 kB a segment: chrF n-grams)
    "ray": ((dict,), None),              # {address: auto | host:port}: the blocks on a Ray cluster
}
RAY_SCHEMA: dict[str, tuple[tuple[type, ...], Any]] = {
    "address": ((str,), "auto"),         # "auto": the cluster `ray start` made on this machine
    "model_block_size": ((int,), 512),   # segments a model-metric or flagger actor gets at once
}


# A config expands to at most this many values (keys, list items, scalars), counted with every
# YAML alias expanded: a "billion laughs" of nested aliases (9 levels of 9 = 387 million values)
# is refused here, before `resolved()` or an error message would expand it (issue 11).
MAX_CONFIG_VALUES = 100_000


def _check_size(raw: Any, source: str) -> None:
    """Refuse a config that expands past MAX_CONFIG_VALUES (or that holds itself: `&a [*a]`)."""
    stack, seen = [raw], 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_CONFIG_VALUES:
            raise ConfigError(f"{source}: the config expands to more than {MAX_CONFIG_VALUES:,} values "
                              "(nested YAML aliases?); write it out plainly")
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)


@dataclass
class RunConfig:
    values: dict[str, Any]
    base_dir: Path = field(default_factory=Path.cwd)
    source: str = "<values>"

    def __getattr__(self, key: str) -> Any:
        values = self.__dict__.get("values", {})
        if key in values:
            return values[key]
        raise AttributeError(key)

    def resolve_path(self, path: str) -> Path:
        """A path as written in the config: relative to the config's folder, else the cwd."""
        candidate = Path(path).expanduser()
        if candidate.is_absolute():
            return candidate
        beside = self.base_dir / candidate
        found = beside if beside.exists() or not candidate.exists() else candidate
        return display_path(found)

    def resolved(self) -> dict[str, Any]:
        """The config with every data path made absolute (what runs write to config.yaml)."""
        out = json.loads(json.dumps(self.values))
        ts = out.get("testset") or {}
        for key in ("src", "path"):
            if ts.get(key):
                ts[key] = str(self.resolve_path(ts[key]).resolve())
        if isinstance(ts.get("document"), str):
            ts["document"] = str(self.resolve_path(ts["document"]).resolve())
        elif isinstance(ts.get("document"), dict):
            ts["document"] = {k: str(self.resolve_path(v).resolve()) if k in ("src", "hyp", "ref") and v else v
                              for k, v in ts["document"].items()}
        ts["refs"] = [str(self.resolve_path(r).resolve()) for r in ts.get("refs", [])]
        if ts.get("hf") and Path(self.base_dir / ts["hf"]).exists():
            ts["hf"] = str(self.resolve_path(ts["hf"]).resolve())
        for name, spec in out.get("systems", {}).items():
            if isinstance(spec, str):
                out["systems"][name] = str(self.resolve_path(spec).resolve())
            elif spec.get("path"):
                spec["path"] = str(self.resolve_path(spec["path"]).resolve())
            elif spec.get("model") and (self.base_dir / spec["model"]).exists():  # a local checkpoint
                spec["model"] = str(self.resolve_path(spec["model"]).resolve())
        return out

    def hash(self) -> str:
        """The scoring setup's hash: everything but `engine`, which changes how, not what."""
        canonical = json.dumps({k: v for k, v in self.resolved().items() if k != "engine"}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def display_path(path: Path) -> Path:
    """A path as short as it can be shown: relative to the cwd when inside it, normalized."""
    normal = Path(os.path.normpath(path.absolute()))
    try:
        return normal.relative_to(Path.cwd())
    except ValueError:
        return normal


def load_config(path: Any, overrides: list[str], values: dict[str, Any]) -> RunConfig:
    raw: dict[str, Any] = {}
    base_dir, source = Path.cwd(), "<values>"
    if path is not None:
        path = Path(path)
        source = str(path)
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(f"{where}: invalid YAML: {problem}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not UTF-8 text") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: a config must be a mapping of keys, not {type(loaded).__name__}")
        raw = loaded
        base_dir = path.resolve().parent
    raw = {**raw, **values}
    for item in overrides:
        set_dotted(raw, item)
    _check_size(raw, source)
    return RunConfig(validate(raw, source), base_dir=base_dir, source=source)


def set_dotted(raw: dict[str, Any], item: str) -> None:
    """Apply one `--set key.sub=value` override; the value is parsed as YAML (`[a, b]`, `3`)."""
    key, sep, text = item.partition("=")
    if not sep or not key:
        raise ConfigError(f"--set {item!r}: expected key=value")
    try:
        value = yaml.safe_load(text) if text else ""
    except yaml.YAMLError:
        value = text
    parts = key.split(".")
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"--set {key}: '{part}' is not a mapping")
    node[parts[-1]] = value


def _names(section: str, value: Any, source: str) -> list[Any]:
    items = [s.strip() for s in value.split(",") if s.strip()] if isinstance(value, str) else list(value)
    for item in items:
        if isinstance(item, dict) and not isinstance(item.get("name"), str):
            raise ConfigError(f"{source}: each entry of '{section}' given as a mapping needs a 'name'")
        if not isinstance(item, (str, dict)):
            raise ConfigError(f"{source}: '{section}' entries must be names or mappings, not {short_repr(item)}")
    return items


def validate(raw: dict[str, Any], source: str = "<values>") -> dict[str, Any]:
    values = check_keys("", raw, RUN_SCHEMA, source)
    if values["testset"] is None:
        raise ConfigError(f"{source}: missing key 'testset' (the source and references)")
    ts = check_keys("testset.", values["testset"], TESTSET_SCHEMA, source)
    if isinstance(ts["refs"], str):
        ts["refs"] = [ts["refs"]]
    given = [k for k in ("src", "path", "hf", "document") if ts.get(k)]
    if len(given) != 1:
        raise ConfigError(f"{source}: 'testset' needs exactly one of 'src' (text file), 'path' (table), 'hf' (dataset) "
                          f"or 'document' (documents to align); got {given or 'none'}")
    if ts.get("document") and values["systems"]:
        raise ConfigError(f"{source}: a 'document' test set brings its English pages: drop 'systems' (name it with testset.system)")
    values["testset"] = ts
    for name, spec in values["systems"].items():
        # a file (a path, or {path, column, format}) or a model, endpoint or command (eval/generate)
        values["systems"][name] = validate_system(str(name), spec, source)
    for plugin in values["plugins"]:
        if not isinstance(plugin, str) or ":" not in plugin:
            raise ConfigError(f"{source}: plugin entries are 'module:Class' strings, not {short_repr(plugin)}")
        registry.register_plugin("flagger" if _is_flagger(plugin) else "metric", plugin)
    values["metrics"] = _names("metrics", values["metrics"], source)
    values["flaggers"] = _names("flaggers", values["flaggers"], source)
    values["reports"] = _names("reports", values["reports"], source)
    for kind, section in (("metric", "metrics"), ("flagger", "flaggers"), ("format", "reports")):
        for item in values[section]:
            name = item["name"] if isinstance(item, dict) else item
            if name not in registry.KINDS[kind]:
                raise ConfigError(f"{source}: unknown {kind} '{name}' in '{section}'{suggest(name, registry.KINDS[kind])}")
            extra = registry.KINDS[kind][name].extra
            if extra:  # a missing extra fails here, before any file is read
                registry.require_extra(extra, name)
    if values["baseline"] and values["baseline"] not in values["systems"]:
        raise ConfigError(f"{source}: 'baseline' names system '{values['baseline']}', which is not in 'systems'{suggest(values['baseline'], values['systems'])}")
    parse_gates(values["gates"], plugin_categories())  # a malformed gate fails before any scoring
    engine = check_keys("engine.", values["engine"], ENGINE_SCHEMA, source)
    if engine["stream"] not in (True, False, "auto"):
        raise ConfigError(f"{source}: 'engine.stream' must be true, false or auto, not {engine['stream']!r}")
    if engine["block_size"] < 1:
        raise ConfigError(f"{source}: 'engine.block_size' must be 1 or more")
    if engine["ray"] is not None:
        engine["ray"] = check_keys("engine.ray.", engine["ray"], RAY_SCHEMA, source)
        if engine["ray"]["model_block_size"] < 1:
            raise ConfigError(f"{source}: 'engine.ray.model_block_size' must be 1 or more")
    values["engine"] = engine
    if ts["limit"] is not None and ts["limit"] < 1:
        raise ConfigError(f"{source}: 'testset.limit' must be 1 or more (the first N segments), not {ts['limit']}")
    if values["workers"] < 0:
        raise ConfigError(f"{source}: 'workers' must be 0 (all cores) or more")
    return values


def _is_flagger(target: str) -> bool:
    cls = resolve_plugin(target)
    return isinstance(cls, type) and issubclass(cls, Flagger)
