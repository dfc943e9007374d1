"""Fault battery, configs and overrides: exit 2, one line naming the config (and line), nothing
written; YAML bombs and object tags refused before anything expands."""
from __future__ import annotations

import pytest

from .conftest import CONFIG, Workspace

BOMB = "".join(f"x{i + 1}: &x{i + 1} [" + ", ".join([f"*x{i}"] * 9) + "]\n" for i in range(9))
BOMB = "x0: &x0 [lol]\n" + BOMB

# (id, config text or None for the default, --set overrides, text the message holds)
CASES: list[tuple[str, str | None, list[str], str]] = [
    ("unknown-key", CONFIG + "metrix: [bleu]\n", [], "did you mean 'metrics'"),
    ("unknown-testset-key", CONFIG.replace("  refs:", "  ref: [ref.en]\n  refs:"), [], "testset.ref"),
    ("wrong-type", CONFIG + "workers: many\n", [], "'workers' must be int"),
    ("bool-as-int", CONFIG + "workers: true\n", [], "'workers' must be int"),
    ("negative-workers", CONFIG + "workers: -1\n", [], "'workers'"),
    ("yaml-syntax", CONFIG + "metrics: [bleu\n", [], "c.yaml:"),
    ("yaml-tab", CONFIG + "\tbad: 1\n", [], "c.yaml:"),
    ("python-object", CONFIG + "baseline: !!python/object/apply:os.system ['touch pwned']\n", [], "c.yaml:"),
    ("python-name", "!!python/name:os.system\n", [], "c.yaml:"),
    ("not-a-mapping", "- a\n- b\n", [], "mapping"),
    ("binary", None, [], "UTF-8"),
    ("alias-bomb-columns", CONFIG.replace("  refs: [ref.en]\n", "  refs: [ref.en]\n  columns:\n"
                                          + "".join(f"    {line}\n" for line in BOMB.splitlines())), [], "aliases"),
    ("alias-bomb-typed", BOMB + CONFIG + "workers: *x9\n", [], "aliases"),
    ("alias-recursive", CONFIG + "gates: &g [*g]\n", [], "c.yaml"),
    ("no-testset", "name: x\nmetrics: [bleu]\n", [], "testset"),
    ("two-sources", CONFIG.replace("  refs:", "  path: t.jsonl\n  refs:"), [], "exactly one"),
    ("unknown-metric", None, ["metrics=[bleux]"], "did you mean 'bleu'"),
    ("unknown-flagger", None, ["flaggers=[namez]"], "did you mean 'names'"),
    ("unknown-format", None, ["reports=[pdf]"], "unknown format"),
    ("bad-tokenizer", None, ["metrics=[{name: bleu, tokenize: nope}]"], "bleu"),
    ("bad-chrf-setting", None, ["metrics=[{name: chrf, wordorder: 2}]"], "chrf"),
    ("metric-entry-number", None, ["metrics=[3]"], "metrics"),
    ("limit-negative", None, ["testset.limit=-5"], "limit"),
    ("limit-zero", None, ["testset.limit=0"], "limit"),
    ("limit-text", None, ["testset.limit=ten"], "limit"),
    ("baseline-unknown", None, ["baseline=sys-c"], "sys-c"),
    ("set-no-equals", None, ["metrics"], "key=value"),
    ("set-into-scalar", None, ["name.sub=1"], "not a mapping"),
    ("plugin-missing-module", None, ["plugins=[nosuchmodule:Thing]"], "nosuchmodule"),
    ("plugin-relative", None, ["plugins=[.mine:Thing]"], "absolute module"),
    ("plugin-not-a-target", None, ["plugins=[justaname]"], "module:Class"),
    ("plugin-syntax-error", None, ["plugins=[broken_plugin:Thing]"], "syntax error"),
    ("plugin-raises", None, ["plugins=[raising_plugin:Thing]"], "RuntimeError"),
    ("plugin-no-class", None, ["plugins=[good_plugin:Missing]"], "Missing"),
    ("gate-malformed", CONFIG + "gates: [{nonsense: 1}]\n", [], "gate"),
    ("system-no-path", CONFIG.replace("sys-b: sys-b.en", "sys-b: {column: hyp}"), [], "needs a 'path'"),
]


@pytest.mark.parametrize("text,overrides,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config(ws: Workspace, monkeypatch: pytest.MonkeyPatch, text: str | None, overrides: list[str],
                    expected: str) -> None:
    if text is not None:
        ws.path("c.yaml").write_text(text, encoding="utf-8")
    if "binary" in expected or expected == "UTF-8":
        ws.path("c.yaml").write_bytes(b"name: x\n\xff\xfe\x00\x00garbage\n")
    ws.path("broken_plugin.py").write_text("class Thing(:\n    pass\n")
    ws.path("raising_plugin.py").write_text("raise RuntimeError('this plugin fails at import')\n")
    ws.path("good_plugin.py").write_text("class Thing:\n    name = 'thing'\n")
    monkeypatch.syspath_prepend(str(ws.root))
    before = ws.snapshot()
    args = ["run", "-c", "c.yaml", "--quiet"] + [part for item in overrides for part in ("--set", item)]
    result = ws.cli(*args)
    assert result.code == 2, result.err
    message = result.error_line()
    assert expected in message, message
    assert len(message) < 400, "a message must stay one short line (no expanded alias in it)"
    assert ws.snapshot() == before
    assert not ws.path("pwned").exists()


def test_config_missing(ws: Workspace) -> None:
    result = ws.cli("run", "-c", "nope.yaml")
    assert result.code == 2 and "nope.yaml" in result.error_line()


def test_config_is_a_folder(ws: Workspace) -> None:
    ws.path("cfg").mkdir()
    result = ws.cli("run", "-c", "cfg")
    assert result.code == 2 and "cfg" in result.error_line()
