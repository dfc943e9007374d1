"""Checking a mapping against a schema of key -> (accepted types, default): the one rule the run
config and the system entries share. Unknown keys and wrong types are ConfigErrors (exit 2) that
name the key and suggest the closest valid one."""
from __future__ import annotations

import json
import reprlib
from typing import Any

from .errors import ConfigError
from .registry import suggest

Schema = dict[str, tuple[tuple[type, ...], Any]]

# A value quoted in a message stays short: a "billion laughs" YAML must not expand into it (issue 11).
_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlist, _short.maxdict, _short.maxlevel = 60, 60, 4, 4, 2


def short_repr(value: Any) -> str:
    return _short.repr(value)


def check_keys(where: str, data: dict[str, Any], schema: Schema, source: str) -> dict[str, Any]:
    """`data` with defaults filled in; `where` prefixes key names in messages ("systems.x.")."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in schema:
            raise ConfigError(f"{source}: unknown key '{where}{key}'{suggest(str(key), schema)}")
        types, _ = schema[key]
        if value is None:
            out[key] = None
            continue
        # bool is an int in Python; a YAML `true` must not pass as a number of workers.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            expected = " or ".join(t.__name__ for t in types)
            raise ConfigError(f"{source}: '{where}{key}' must be {expected}, not {type(value).__name__} ({short_repr(value)})")
        out[key] = value
    for key, (_, default) in schema.items():
        out.setdefault(key, json.loads(json.dumps(default)))
    return out
