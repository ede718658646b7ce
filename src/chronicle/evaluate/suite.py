"""Every evaluation set by name, and `chronicle eval all`: each set's headline side by side.

A change that gains on one set and loses on another is not progress, so they are run and printed
together: the development gold of `../shared/eval` and the held-out splits of `../shared/train`.
"""

from __future__ import annotations

import importlib

# name → (module, attribute holding `evaluate`/`format_table`, or None for the module itself)
SETS: dict[str, tuple[str, str | None]] = {
    "plover-gsr": ("chronicle.evaluate.plover_gsr", None),
    "wikievents": ("chronicle.evaluate.wikievents", None),
    "geowebnews": ("chronicle.evaluate.geowebnews", None),
    "plv": ("chronicle.evaluate.heldout", "plv"),
    "police": ("chronicle.evaluate.heldout", "police"),
    "cameo": ("chronicle.evaluate.heldout", "cameo"),
    "actors": ("chronicle.evaluate.actors", None),
    "places": ("chronicle.evaluate.places", None),
    "events": ("chronicle.evaluate.event_sentences", None),
    "snippets": ("chronicle.evaluate.snippets", None),
}


def load(name: str):
    module, attr = SETS[name]
    mod = importlib.import_module(module)
    return getattr(mod, attr) if attr else mod


def _get(result: dict, path):
    if callable(path):
        try:
            return path(result)
        except (KeyError, IndexError, TypeError):
            return None
    value = result
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


# what each set's line shows: (label, path into its result)
HEADLINES: dict[str, list[tuple[str, str]]] = {
    "plover-gsr": [("type macro-F1", "macro_f1"), ("type micro-F1", "type.f1"),
                   ("type+source F1", "type_source.f1"), ("type+source+target F1", "type_source_target.f1"),
                   ("false/gold", "false_events_per_gold")],
    "wikievents": [("doc type F1", "document_type.f1"), ("sentence F1", "sentence_f1"),
                   ("mention recall", "mention_recall"), ("false/gold", "false_events_per_gold")],
    "geowebnews": [("within 161 km", lambda r: r["rows"][0]["within_161km"]),
                   ("within 25 km", lambda r: r["rows"][0]["within_25km"]),
                   ("toponym recall", "recognition.recall"), ("place precision", "recognition.precision")],
    "plv": [("type macro-F1", "macro_f1"), ("type micro-F1", "type.f1"), ("false/gold", "false_events_per_gold"),
            ("source overlap", "source_overlap"), ("target overlap", "target_overlap")],
    "police": [("ARREST→COERCE", "recall.ARREST.recall"), ("KILL→ASSAULT", "recall.KILL.recall"),
               ("FORCE→ASSAULT", "recall.FORCE.recall"), ("KILL|FORCE→ASSAULT", "recall_kill_or_force"),
               ("events/unlabelled sent.", "events_per_unlabelled_sentence")],
    "cameo": [("quad macro-F1", "macro_f1"), ("accuracy", "accuracy"), ("act in class", "act_in_class")],
    "places": [(what, (lambda r, w=what: next(x for x in r["rows"] if x["kind"] == "all")[w]))
               for what in ("found", "right")],
    "events": [("type F1", "type.f1"), ("type P", "type.precision"), ("type R", "type.recall"),
               ("exact", "exact"), ("no-event right", "none_right")],
    "snippets": [("macro-F1 all", "macro_f1"), ("macro-F1 test", "splits.test.macro_f1"),
                 ("accuracy all", "accuracy"), ("keywords macro-F1 all", "keywords.all.macro_f1")],
    "actors": [(f"{split} {what}", (lambda r, s=split, w=what: r["splits"][s][w] / r["splits"][s]["n"]))
               for split in ("dev", "heldout") for what in ("country", "sector")],
}


def headline(name: str, result: dict) -> list[tuple[str, float | None]]:
    rows = HEADLINES.get(name)
    if rows is None:  # a set registered without a headline: its numbers at the top level
        return [(k, v) for k, v in result.items() if isinstance(v, float)][:5]
    return [(label, _get(result, path)) for label, path in rows]


def format_all(results: dict[str, dict | str]) -> str:
    lines = [f"{'set':<12} {'items':>6} {'s':>6}  headline"]
    for name, result in results.items():
        if isinstance(result, str):
            lines.append(f"{name:<12} {'-':>6} {'-':>6}  not run: {result}")
            continue
        items = result.get("items", result.get("articles", "-"))
        cells = "  ".join(f"{label} {value:.3f}" if isinstance(value, (int, float)) else f"{label} -"
                          for label, value in headline(name, result))
        lines.append(f"{name:<12} {items!s:>6} {result.get('seconds', '-')!s:>6}  {cells}")
    return "\n".join(lines)
