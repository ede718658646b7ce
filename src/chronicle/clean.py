"""The clean stage: turn a scraped or aggregated report into the text that every later offset points into.

`clean(doc)` is pure and per document. In order, it
1. normalises whitespace conservatively (paragraphs stay separated by a blank line, runs of spaces
   collapse, invisible characters go);
2. drops junk lines: the patterns in ``data/junk_patterns.tsv`` (cross-links, paywall notices,
   newsletter and share buttons, thank-the-writer spam, copyright and credit lines …), a line that
   repeats the headline, and a trailing site/brand line;
3. identifies the language with py3langid;
4. looks for signs of machine translation and decides on them (rule below);
5. repairs what is safe to repair: the "1is January" ordinal glitch and a stray doubled period;
6. decides whether the text is truncated, and how much of it we have when the text says so;
7. gives the document the hash of its cleaned text as id when the caller gave none.
Every dropped line or fragment is listed in ``flags.removed`` and every repair in ``flags.repaired``,
each with a reason ``"<slug>: <detail>"`` so the user can see what changed and group by slug.

Machine-translation rule. Cues are counted on the junk-free text; a cue *fires* when its count
reaches the minimum in `_CUE_MIN`:
- strong: a bracketed fragment in another language than the text ("[des manifestants]"), and the
  "1is January" ordinal glitch (French "1er" rendered word by word);
- weak: French spacing before ``; : ? ! » ”`` (at least two), guillemets « » in a non-French text,
  broken punctuation (". ." or a full stop followed by a lowercase word), and at least two quotes
  opened mid-sentence with a capitalised word (“Protect vital installations”).
The text is machine-translated when a machine-translation notice was removed, or one strong cue
fires together with any other cue, or three weak cues fire. A single cue never decides: each has an
innocent explanation (a quoted foreign term in brackets, a typo, an outlet that uses guillemets).
French typography is only evidence in a text that is not itself French. ``translated_from`` is the
language of the foreign fragments when py3langid names one with confidence, else "fr" when the cues
are French typography or the "1is" glitch, else None.

Language: py3langid on the cleaned text. A caller's or page's language is kept when the text is too
short or langid is unsure; when langid is sure (p ≥ 0.9) and disagrees, the text wins and the
disagreement goes into ``doc.errors`` (the metadata is wrong, which the user may want to know).

Cross-document duplicates need state and live in `Deduplicator`, which the caller keeps per batch or
per store.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from chronicle.record import Document, Removed, text_id

if TYPE_CHECKING:
    from datasketch import MinHash

__all__ = ["clean", "Deduplicator", "load_junk_patterns"]


# --------------------------------------------------------------------------------------------------
# Whitespace

# Zero-width joiners (U+200C/U+200D) are left alone: Persian and Indic scripts need them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None)
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_BLANK_LINE = re.compile(r"\n\s*\n")


def _split_paragraphs(text: str) -> list[list[str]]:
    """Paragraphs (split on blank lines) of whitespace-normalised, non-empty lines."""
    text = (text.replace("\r\n", "\n").replace("\r", "\n")
            .replace("\u2029", "\n\n").replace("\u2028", "\n").translate(_INVISIBLE))
    paragraphs = []
    for block in _BLANK_LINE.split(text):
        lines = [_HORIZONTAL_SPACE.sub(" ", line).strip() for line in block.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append(lines)
    return paragraphs


# --------------------------------------------------------------------------------------------------
# Junk patterns (data/junk_patterns.tsv)

_EFFECTS = ("truncates", "translated", "-")
# A glued notice starts right after the end of the paragraph's last sentence.
_SENTENCE_END_BEFORE_GLUE = r"(?<=[.!?…\"”»)\]])\s+"


@dataclass(frozen=True)
class JunkPattern:
    slug: str
    effect: str
    max_chars: int
    line: re.Pattern[str]
    glued_tail: re.Pattern[str] | None
    detail: str

    @property
    def reason(self) -> str:
        return f"{self.slug}: {self.detail}"


@functools.cache
def load_junk_patterns(path: Path | None = None) -> tuple[JunkPattern, ...]:
    """Read and compile the junk-line table (the packaged one unless `path` is given); a malformed
    row is an error naming the file and line."""
    source = path or resources.files("chronicle").joinpath("data", "junk_patterns.tsv")
    patterns = []
    for number, row in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not row.strip() or row.startswith("#"):
            continue
        cells = row.split("\t")
        where = f"{source}:{number}"
        if len(cells) != 6:
            raise ValueError(f"{where}: expected 6 tab-separated cells "
                             f"(slug, effect, max_chars, glued, pattern, detail), got {len(cells)}")
        slug, effect, max_chars, glued, pattern, detail = cells
        if effect not in _EFFECTS:
            raise ValueError(f"{where}: effect must be one of {', '.join(_EFFECTS)}, not {effect!r}")
        if glued not in ("yes", "no") or not max_chars.isdigit():
            raise ValueError(f"{where}: glued must be yes/no and max_chars a whole number")
        try:
            line = re.compile(pattern, re.IGNORECASE)
            tail = (re.compile(rf"{_SENTENCE_END_BEFORE_GLUE}(?:{pattern})$", re.IGNORECASE)
                    if glued == "yes" else None)
        except re.error as err:
            raise ValueError(f"{where}: bad regular expression: {err}") from err
        patterns.append(JunkPattern(slug, effect, int(max_chars), line, tail, detail))
    return tuple(patterns)


@dataclass(frozen=True)
class _JunkHit:
    pattern: JunkPattern
    text: str
    match: re.Match[str]


def _match_junk_line(line: str) -> _JunkHit | None:
    for pattern in load_junk_patterns():
        # Length first: it keeps long body lines safe and the regexes cheap.
        if len(line) <= pattern.max_chars and (m := pattern.line.fullmatch(line)):
            return _JunkHit(pattern, line, m)
    return None


def _match_glued_junk(line: str) -> tuple[str, _JunkHit] | None:
    """A notice glued after the paragraph's last sentence: returns (kept head, hit)."""
    for pattern in load_junk_patterns():
        if pattern.glued_tail is None:
            continue
        m = pattern.glued_tail.search(line)
        if m and len(m.group(0).strip()) <= pattern.max_chars:
            fragment = m.group(0).strip()
            return line[:m.start()].rstrip(), _JunkHit(pattern, fragment, m)
    return None


def _percent(value: str) -> float:
    return float(value.replace(",", "."))


def _read_fraction(hit: _JunkHit) -> float | None:
    groups = hit.match.groupdict()
    if groups.get("remaining") is not None:
        remaining = _percent(groups["remaining"])
        return round(1 - remaining / 100, 4) if 0 <= remaining <= 100 else None
    if groups.get("read") is not None:
        read = _percent(groups["read"])
        return round(read / 100, 4) if 0 <= read <= 100 else None
    return None


# --------------------------------------------------------------------------------------------------
# Repeated headline and trailing brand line

# (?<!\s): tried once per run of spaces, not from each space of a long run (quadratic).
_TITLE_SUFFIX = re.compile(r"(?<!\s)\s+[|–—-]\s+")
_NON_WORD = re.compile(r"[^\w]+")


def _normalise_line(text: str) -> str:
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _title_forms(title: str | None) -> set[str]:
    """The headline, and the headline without a " | Site" / " - Site" suffix pages add to it."""
    if not title or not title.strip():
        return set()
    forms = {_normalise_line(title)}
    parts = _TITLE_SUFFIX.split(title.strip())
    if len(parts) > 1 and len(parts[0].split()) >= 3:
        forms.add(_normalise_line(parts[0]))
    forms.discard("")
    return forms


# Sentences and clauses end like this; a brand or site name does not.
_CLAUSE_END = ".!?…:;,\"'”’»)]。！？।۔؟"
_SENTENCE_END = ".!?…\"'”’»)]。！？।۔؟"
_WORD = re.compile(r"[^\W\d_][\w'’&.-]*")
# Lowercase function words are allowed in a title-cased name ("Voice of the People").
_FUNCTION_WORDS = frozenset(
    "a an and as at by de del der des di du en et for from in la le les of on or the to und van "
    "von with y à".split())
_BRAND_MAX_CHARS = 60
_BRAND_MAX_WORDS = 8


def _looks_like_brand_line(line: str) -> bool:
    """A short title-cased line that is not a sentence: "Decode The News Podcast", "Le Monde"."""
    if len(line) > _BRAND_MAX_CHARS or line[-1] in _CLAUSE_END or ". " in line:
        return False
    words = _WORD.findall(line)
    if not 1 <= len(words) <= _BRAND_MAX_WORDS:
        return False
    significant = [w for i, w in enumerate(words) if i == 0 or w.casefold() not in _FUNCTION_WORDS]
    return all(w[0].isupper() for w in significant)


# --------------------------------------------------------------------------------------------------
# Line-level cleaning


@dataclass
class _Line:
    paragraph: int
    text: str
    kept: bool = True


@dataclass
class _LineCleaning:
    text: str
    removed: list[Removed]
    truncated: bool
    read_fraction: float | None
    translation_notice: bool


def _remove_junk_lines(raw_text: str, title: str | None) -> _LineCleaning:
    lines = [_Line(p, text) for p, paragraph in enumerate(_split_paragraphs(raw_text))
             for text in paragraph]
    title_forms = _title_forms(title)
    # (line index, order within the line, Removed): sorted at the end so reasons read in text order.
    removals: list[tuple[int, int, Removed]] = []
    hits: list[tuple[int, _JunkHit]] = []

    for index, line in enumerate(lines):
        if title_forms and _normalise_line(line.text) in title_forms:
            line.kept = False
            removals.append((index, 0, Removed(line.text, "repeated-title: line repeats the headline")))
            continue
        hit = _match_junk_line(line.text)
        if hit:
            line.kept = False
            removals.append((index, 0, Removed(line.text, hit.pattern.reason)))
            hits.append((index, hit))
            continue
        glued = _match_glued_junk(line.text)
        if glued:
            line.text, hit = glued
            removals.append((index, 1, Removed(
                hit.text, f"{hit.pattern.reason} (glued to the end of a paragraph)")))
            hits.append((index, hit))

    # Only the end of the text can carry a site/brand line, and only after some body text. The
    # line before must end a sentence, or the candidate may be the wrapped tail of that sentence.
    kept = [i for i, line in enumerate(lines) if line.kept]
    while len(kept) >= 2:
        last, before = lines[kept[-1]], lines[kept[-2]]
        if not (_looks_like_brand_line(last.text) and before.text[-1] in _SENTENCE_END):
            break
        last.kept = False
        removals.append((kept[-1], 0, Removed(
            last.text, "trailing-brand: short title-cased line after the body (site or brand name)")))
        kept.pop()

    last_body = kept[-1] if kept else -1
    truncated, read_fraction = False, None
    for index, hit in hits:
        # A "continue reading" link in the middle of a page is an ad break, not a cut.
        if hit.pattern.effect == "truncates" and index >= last_body:
            truncated = True
            read_fraction = read_fraction if read_fraction is not None else _read_fraction(hit)

    paragraphs: dict[int, list[str]] = {}
    for line in lines:
        if line.kept and line.text:
            paragraphs.setdefault(line.paragraph, []).append(line.text)
    text = "\n\n".join("\n".join(p) for p in paragraphs.values())
    return _LineCleaning(
        text=text,
        removed=[r for _, _, r in sorted(removals, key=lambda x: (x[0], x[1]))],
        truncated=truncated,
        read_fraction=read_fraction,
        translation_notice=any(hit.pattern.effect == "translated" for _, hit in hits),
    )


# --------------------------------------------------------------------------------------------------
# Language identification (py3langid, loaded once, on first use)

_MIN_LETTERS_FOR_LANGID = 20
_LANGID_MIN_CONFIDENCE = 0.5
_LANGID_OVERRIDE_CONFIDENCE = 0.9
_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_].*)?$")


@functools.cache
def _language_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    global _mapped_tables
    try:
        tables: list = []
        identifier = _mapped_language_identifier(LanguageIdentifier, tables)
        _mapped_tables = tables[0]  # for `release_language_model`
        return identifier
    except (OSError, ValueError, KeyError, TypeError, ImportError, AttributeError):
        pass  # the cached model is only an optimisation: load the packaged one as py3langid does
    # py3langid 0.4 renamed the loader; 0.3 only has the pickled-model one.
    load = getattr(LanguageIdentifier, "from_model_file", None) or LanguageIdentifier.from_pickled_model
    return load(MODEL_FILE, norm_probs=True)


def _mapped_language_identifier(identifier_class, tables: list | None = None) -> Any:
    """py3langid's identifier as its `from_model_file` makes it, from the same arrays, but read
    from a copy decompressed once into the user's cache and memory-mapped (`chronicle.cache`):
    py3langid un-xz's its 4.6 MB model on every start (~0.5 s of a cold `chronicle extract`) into
    68 MB that every process that cleans text holds; mapped, only the pages a text touches are read.
    The same numbers in the same order, so the same answers. `tables` (a list) is given the
    mapping's largest array, to release it later (`release_language_model`)."""
    from array import array
    from importlib import metadata

    import numpy as np
    from py3langid import modelio
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    from . import cache

    source = MODEL_DIR / MODEL_FILE
    stat = source.stat()
    path = cache.folder() / (f"langid-{metadata.version('py3langid')}-{stat.st_size}-"
                             f"{stat.st_mtime_ns}.arrays")
    if not path.exists():
        ptc, pc, classes, nextmove, row, output = modelio.load_model(source)
        ptc = np.ascontiguousarray(ptc)
        # memoryview cannot describe float16: the table is kept as its bits (uint16) and dtype
        cache.write_arrays(path, {"ptc": ptc.view(f"u{ptc.itemsize}"), "pc": np.ascontiguousarray(pc),
                                  "nextmove": nextmove, "row": row, "output": array("q", output)},
                           {"kind": "py3langid", "classes": classes, "ptc_dtype": ptc.dtype.str})
    arrays, meta = cache.map_arrays(path)
    if meta.get("kind") != "py3langid":
        raise ValueError(f"{path} is not a language model")
    if tables is not None:
        tables.append(arrays["ptc"])
    return identifier_class(np.asarray(arrays["ptc"]).view(meta["ptc_dtype"]), np.asarray(arrays["pc"]),
                            meta["classes"], arrays["nextmove"], arrays["output"], norm_probs=True,
                            tk_row=arrays["row"])


# the mapping behind `_language_identifier`'s identifier, when it is mapped
_mapped_tables: memoryview | None = None


def release_language_model() -> None:
    """Drop the language identifier's mapped tables (≈65 MB once a few texts have been
    identified) from this process's resident memory; the next text maps back the pages it
    touches, from the page cache. A Ray worker cleans its shard, then parses it: the parse needs
    the memory, not the tables (`scale.coder`). Nothing to do where the model was never loaded or
    is not mapped (the packaged one, read whole)."""
    if _mapped_tables is not None:
        from . import cache

        cache.release(_mapped_tables)


def _metadata_language(language: str | None) -> str | None:
    """"en-US" -> "en", "fra" -> "fr"; "und", "" and unknown codes -> None."""
    m = _LANGUAGE_TAG.match((language or "").strip())
    if not m:
        return None
    code = m.group(1).lower()
    if len(code) == 2:
        return code
    import pycountry

    found = pycountry.languages.get(alpha_3=code)
    return getattr(found, "alpha_2", None)


def _identify_language(text: str, min_confidence: float = _LANGID_MIN_CONFIDENCE
                       ) -> tuple[str, float] | None:
    if sum(ch.isalpha() for ch in text) < _MIN_LETTERS_FOR_LANGID:
        return None
    language, confidence = _language_identifier().classify(text)
    if len(language) != 2:
        # py3langid also knows some languages without an ISO 639-1 code, which the record wants:
        # the likeliest that has one. Plain English news reads as Nigerian Pidgin ("pcm", 0.48;
        # English 0.28: "Police arrested 40 protesters in Nairobi on Monday.")
        language, confidence = next(((lang, p) for lang, p in _language_identifier().rank(text)
                                     if len(lang) == 2), ("", 0.0))
    if not language or confidence < min_confidence:
        return None
    return language, confidence


# With no language from metadata, py3langid's best guess is taken at a lower confidence: on one
# short sentence its probability spreads over ~100 languages (0.34 for plain English news), and
# "und" would leave the text unanalysed.
_LANGID_GUESS_CONFIDENCE = 0.15


def _decide_language(text: str, metadata: str | None) -> tuple[str, str | None]:
    """(language, note for doc.errors or None)."""
    given = _metadata_language(metadata)
    found = _identify_language(text, _LANGID_MIN_CONFIDENCE if given else 0.0)
    if given is None and found is not None and found[1] < _LANGID_GUESS_CONFIDENCE:
        # one short sentence ("He met John Smith in Paris.") spreads py3langid's probability too
        # thin for any guess; English, the language Chronicle parses, is taken when it is still
        # the likeliest
        found = ("en", found[1]) if found[0] == "en" else None
    if found is None:
        return given or "und", None
    language, confidence = found
    if given is None or given == language:
        return language, None
    if confidence >= _LANGID_OVERRIDE_CONFIDENCE:
        return language, (f"language: metadata says {given!r} but the text reads as {language!r} "
                          f"(p={confidence:.2f}); using {language!r}")
    return given, None


# Languages news is commonly machine-translated from. Restricting short fragments to these keeps
# py3langid from naming an unlikely language for two words ("kazakhe" alone reads as Zulu).
_SOURCE_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "ru", "uk", "pl", "tr", "ar", "zh",
                     "ja", "ko", "fa")
_FRAGMENT_SOURCE_CONFIDENCE = 0.5


def _rank_among(text: str, languages: set[str]) -> list[tuple[str, float]]:
    ranked = [(lang, p) for lang, p in _language_identifier().rank(text) if lang in languages]
    total = sum(p for _, p in ranked) or 1.0
    return [(lang, p / total) for lang, p in ranked]


# --------------------------------------------------------------------------------------------------
# Machine translation

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December")
# "1er janvier" comes out of some translators as "1is January". No day number is followed by "is"
# in English, so the repair cannot damage a correct text.
_ORDINAL_GLITCH = re.compile(rf"\b(?P<day>[1-9]|[12]\d|3[01])is\s+(?P<month>{_MONTHS})\b")
_BRACKETED = re.compile(r"\[([^\[\]\n]{2,60})\]")
_EDITORIAL_BRACKETS = frozenset({
    "sic", "sic!", "...", "…", "emphasis added", "emphasis mine", "emphasis ours", "inaudible",
    "laughter", "applause", "crosstalk", "redacted", "translation", "translated", "citation needed",
    "unintelligible", "ibid"})
_FRENCH_SPACING = re.compile(r"(?<=\S) [;:?!»”](?=[\s,.;:]|$)|[«“] (?=\w)")
_GUILLEMETS = re.compile(r"[«»]")
# A full stop left floating after a sentence ("demonstrators. . Of"); a spaced ellipsis ". . ." is
# a style, not an artefact, and is left alone.
# The word starts where a word starts: without the look-behind, a search tries \w+ from every letter
# of a long word in turn (quadratic: a minute on one 65,537-letter "word"); with it, once per word.
_DOUBLED_PERIOD = re.compile(r"(?<!\w)(?P<word>\w+[.!?]) \.(?=\s|$)(?! \.)")
_PERIOD_THEN_LOWERCASE = re.compile(r"\b(?P<word>[a-z]{4,})\. (?=[a-z]{2,}\b)")
_ABBREVIATIONS = frozenset({"approx", "incl", "excl", "dept", "govt", "corp", "univ", "resp",
                            "misc", "cont", "ibid", "vols", "nos", "esp", "est", "eds"})
_CAPITALISED_QUOTE = re.compile(r"(?<=[a-z]) [“«\"] ?[A-Z][a-z]+ [a-z]")

_STRONG_CUES = ("foreign-bracket", "ordinal-glitch")
_CUE_MIN = {"foreign-bracket": 1, "ordinal-glitch": 1, "french-spacing": 2, "guillemets": 1,
            "broken-punctuation": 1, "capitalised-quote": 2}
_FRENCH_EVIDENCE = ("french-spacing", "guillemets", "ordinal-glitch")


@dataclass
class _TranslationVerdict:
    machine_translated: bool
    translated_from: str | None
    cues: dict[str, int]


def _foreign_fragments(text: str, language: str) -> tuple[list[str], str | None]:
    """Bracketed fragments in another language than the text, and that language when it is clear."""
    candidates = []
    for m in _BRACKETED.finditer(text):
        fragment = m.group(1).strip()
        words = _WORD.findall(fragment)
        # Names carry no language, and numbers and editorial marks are not fragments of prose.
        if (not words or fragment.casefold() in _EDITORIAL_BRACKETS or any(c.isdigit() for c in fragment)
                or all(w[0].isupper() for w in words) or sum(c.isalpha() for c in fragment) < 4):
            continue
        candidates.append(fragment)
    if not candidates or language == "und":
        return [], None
    languages = set(_SOURCE_LANGUAGES) | {language}
    foreign = [f for f in candidates if _rank_among(f, languages)[0][0] != language]
    if not foreign:
        return [], None
    source, confidence = _rank_among(" ".join(foreign), languages)[0]
    if source == language or confidence < _FRAGMENT_SOURCE_CONFIDENCE:
        return foreign, None
    return foreign, source


def _count_broken_punctuation(text: str) -> int:
    lowercase_after_stop = sum(1 for m in _PERIOD_THEN_LOWERCASE.finditer(text)
                               if m.group("word") not in _ABBREVIATIONS)
    return len(_DOUBLED_PERIOD.findall(text)) + lowercase_after_stop


def _judge_translation(text: str, language: str, notice: bool) -> _TranslationVerdict:
    foreign, fragment_language = _foreign_fragments(text, language)
    cues = {"foreign-bracket": len(foreign), "broken-punctuation": _count_broken_punctuation(text)}
    if language != "fr":  # French typography is only out of place outside French
        cues["ordinal-glitch"] = len(_ORDINAL_GLITCH.findall(text))
        cues["french-spacing"] = len(_FRENCH_SPACING.findall(text))
        cues["guillemets"] = len(_GUILLEMETS.findall(text))
        cues["capitalised-quote"] = len(_CAPITALISED_QUOTE.findall(text))
    fired = {cue for cue, count in cues.items() if count >= _CUE_MIN[cue]}
    strong = fired.intersection(_STRONG_CUES)
    weak = fired - strong
    machine_translated = notice or (bool(strong) and len(fired) >= 2) or len(weak) >= 3
    source = None
    if machine_translated:
        if fragment_language:
            source = fragment_language
        elif fired.intersection(_FRENCH_EVIDENCE):
            source = "fr"
    return _TranslationVerdict(machine_translated, source, {c: n for c, n in cues.items() if n})


# --------------------------------------------------------------------------------------------------
# Safe repairs


def _repair(text: str) -> tuple[str, list[Removed]]:
    repairs: list[Removed] = []

    def fix_ordinal(m: re.Match[str]) -> str:
        fixed = f"{m.group('day')} {m.group('month')}"
        repairs.append(Removed(m.group(0), f"ordinal-glitch: machine-translation artefact -> '{fixed}'"))
        return fixed

    def fix_doubled_period(m: re.Match[str]) -> str:
        fixed = m.group("word")
        repairs.append(Removed(m.group(0), f"doubled-period: stray full stop -> '{fixed}'"))
        return fixed

    text = _ORDINAL_GLITCH.sub(fix_ordinal, text)
    text = _DOUBLED_PERIOD.sub(fix_doubled_period, text)
    return text, repairs


# --------------------------------------------------------------------------------------------------
# Truncation visible at the end of the text

_ELLIPSIS_MARKER = re.compile(r"(?:\[\s*(?:\.\.\.|…)\s*\]|\(\s*(?:\.\.\.|…)\s*\))$")
_TRAILING_ELLIPSIS = re.compile(r"[\w,;](?:\.\.\.|…)$")


def _ends_cut(text: str) -> bool:
    """The text stops mid-sentence: "[...]", a dangling "…", or a last paragraph of running prose
    with no final punctuation. Short unpunctuated last lines (menus, captions, list items on
    non-article pages) are not taken as a cut: that would flag most crawled pages."""
    if not text:
        return False
    if _ELLIPSIS_MARKER.search(text) or _TRAILING_ELLIPSIS.search(text):
        return True
    words = text.rsplit("\n", 1)[-1].split()
    return text[-1] not in _SENTENCE_END and (
        len(words) >= 8 or (len(words) >= 5 and text[-1].islower()))


# --------------------------------------------------------------------------------------------------
# The stage


def clean(doc: Document) -> Document:
    """Return a cleaned copy of `doc` (the input is not changed); see the module docstring."""
    lines = _remove_junk_lines(doc.text, doc.title)
    errors = list(doc.errors)
    language, note = _decide_language(lines.text, doc.language)
    if note:
        errors.append(note)
    verdict = _judge_translation(lines.text, language, lines.translation_notice)
    text, repairs = _repair(lines.text)
    truncated = lines.truncated or _ends_cut(text)

    # Merge with what an earlier stage (or an earlier clean) already knew, so cleaning twice
    # changes nothing: the second pass no longer sees the paywall line it removed.
    before = doc.flags
    flags = msgspec.structs.replace(
        before,
        truncated=before.truncated or truncated,
        read_fraction=lines.read_fraction if lines.read_fraction is not None else before.read_fraction,
        machine_translated=before.machine_translated or verdict.machine_translated,
        translated_from=verdict.translated_from or before.translated_from,
        removed=[*before.removed, *lines.removed],
        repaired=[*before.repaired, *repairs],
    )
    return msgspec.structs.replace(doc, id=doc.id or text_id(text), text=text, language=language,
                                   flags=flags, errors=errors)


# --------------------------------------------------------------------------------------------------
# Cross-document duplicates

_SHINGLE_WORDS = 3
_MAX_LENGTH_RATIO = 1.5
_TOKEN = re.compile(r"\w+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})


def _normalise_for_dedup(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    return " ".join(text.split())


def _key32(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "little", signed=True)


class _Made:
    """A text's exact key and MinHash for `Deduplicator`, each made on first use and kept."""

    _UNSET = object()

    def __init__(self, dedup: Deduplicator, text: str):
        self.dedup, self.text = dedup, text
        self._key = self._signature = self._UNSET

    def exact_key(self) -> str:
        if self._key is self._UNSET:
            self._key = self.dedup._exact_key(self.text)
        return self._key

    def minhash(self):
        if self._signature is self._UNSET:
            self._signature = self.dedup._minhash(self.text)
        return self._signature


class Deduplicator:
    """Finds exact and near duplicates among the documents it has seen.

    An exact duplicate has the same text once case, whitespace, Unicode form and quote style are
    normalised. A near duplicate shares at least `threshold` of the shorter text's word 3-grams with
    the other text, and the two differ in length by at most `_MAX_LENGTH_RATIO`. Sharing is measured
    against the shorter text, not the union, so a copy with a teaser or a credit line appended still
    counts; the length limit keeps a summary, or a story that grew by several paragraphs of new
    facts, from being taken for a copy. Both are estimated with MinHash over `num_perm`
    permutations, candidates come from LSH. ``duplicate_of`` names the first document of a group,
    so a chain of edited copies points to one original.
    """

    def __init__(self, threshold: float = 0.85, num_perm: int = 128):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        from .sketch import make_lsh  # datasketch without scipy.integrate (cold start)

        self.threshold = threshold
        self.num_perm = num_perm
        # The lowest Jaccard similarity two texts can have and still pass both tests above; LSH is
        # banded below it because at its banding threshold it misses about half the pairs.
        lowest_jaccard = threshold / (1 + _MAX_LENGTH_RATIO - threshold)
        self._lsh = make_lsh(max(0.2, lowest_jaccard - 0.15), num_perm)
        self._minhashes: dict[str, tuple[MinHash, int]] = {}
        self._by_exact_key: dict[str, str] = {}
        self._original_of: dict[str, str] = {}
        self._pending: dict[str, tuple[MinHash, int]] = {}  # signatures `index_keys` computed

    def seed(self, doc_id: str, text: str, original: str | None = None) -> None:
        """Register a document already known (e.g. in the store) without checking it; `original`
        is the ``duplicate_of`` it was stored with, so that a copy of it points to the same first
        document as in a run that had checked them all (a run resumed after a kill must write what
        one uninterrupted run writes)."""
        self._register(doc_id, text, original=original or None)

    def check(self, doc: Document) -> Document:
        """Set ``doc.flags.duplicate_of`` when `doc` duplicates a document seen before, then register
        `doc`. The document is updated in place and returned."""
        doc_id = doc.id or text_id(doc.text)
        # the text's exact key and MinHash, each made at most once for the look-up and the
        # registration (made twice, they were half of the near-duplicate check's CPU)
        made = _Made(self, doc.text)
        original = self._find_original(doc_id, doc.text, made)
        if original is not None:
            doc.flags.duplicate_of = original
        self._register(doc_id, doc.text, original, made)
        return doc

    def index_keys(self, text: str, keep: bool = False) -> list[int]:
        """What a store keeps so that a later run can find this text's possible duplicates
        without registering every stored text (`chronicle.dedup_index`): a key for its exact form
        and one per LSH band, as 32-bit ints. Two texts the index would pair share a key; a
        collision only adds a candidate that `check` then measures. With `keep`, the MinHash is
        kept for this text's own `check`, which would otherwise compute it again."""
        if not text.strip():
            return []
        keys = [_key32(b"exact:" + self._exact_key(text).encode())]
        signature = self._minhash(text)
        if signature is not None:
            if keep:
                self._pending[text] = signature
            values = signature[0].hashvalues
            keys += [_key32(b"%d:" % n + values[start:end].tobytes())
                     for n, (start, end) in enumerate(self._lsh.hashranges)]
        return keys

    def _exact_key(self, text: str) -> str:
        return hashlib.sha1(_normalise_for_dedup(text).encode("utf-8")).hexdigest()

    def _minhash(self, text: str) -> tuple[MinHash, int] | None:
        """MinHash of the text's word 3-gram set, and the size of that set."""
        if text in self._pending:  # computed for `index_keys` just before
            return self._pending.pop(text)
        from .sketch import new_minhash  # datasketch without its __init__ (cold start)

        tokens = _TOKEN.findall(_normalise_for_dedup(text))
        if not tokens:
            return None
        n = min(_SHINGLE_WORDS, len(tokens))
        shingles = {" ".join(tokens[i:i + n]).encode("utf-8") for i in range(len(tokens) - n + 1)}
        minhash = new_minhash(self.num_perm)
        minhash.update_batch(list(shingles))
        return minhash, len(shingles)

    def _similarity(self, a: tuple[MinHash, int], b: tuple[MinHash, int]) -> float:
        """Estimated share of the shorter text's 3-grams found in the other; 0 if the lengths differ
        too much."""
        (hash_a, size_a), (hash_b, size_b) = a, b
        shorter, longer = sorted((size_a, size_b))
        if longer > shorter * _MAX_LENGTH_RATIO:
            return 0.0
        jaccard = hash_a.jaccard(hash_b)
        # |A ∩ B| = J (|A| + |B|) / (1 + J), since |A ∪ B| = |A| + |B| - |A ∩ B|.
        shared = jaccard * (size_a + size_b) / (1 + jaccard)
        return min(1.0, shared / shorter)

    def _find_original(self, doc_id: str, text: str, made: _Made | None = None) -> str | None:
        if not text.strip():
            return None
        made = made or _Made(self, text)
        exact = self._by_exact_key.get(made.exact_key())
        if exact is not None and exact != doc_id:
            return self._original_of.get(exact, exact)
        signature = made.minhash()
        if signature is None:
            return None
        best_id, best_similarity = None, self.threshold
        for candidate in self._lsh.query(signature[0]):
            if candidate == doc_id or self._original_of.get(candidate) == doc_id:
                continue
            similarity = self._similarity(signature, self._minhashes[candidate])
            if similarity >= best_similarity:
                best_id, best_similarity = candidate, similarity
        return None if best_id is None else self._original_of.get(best_id, best_id)

    def _register(self, doc_id: str, text: str, original: str | None, made: _Made | None = None) -> None:
        if not text.strip():
            return
        made = made or _Made(self, text)
        self._by_exact_key.setdefault(made.exact_key(), doc_id)
        if original is not None:
            self._original_of.setdefault(doc_id, original)
        if doc_id in self._minhashes:
            return  # the same document checked again: it is already indexed
        signature = made.minhash()
        if signature is not None:
            self._minhashes[doc_id] = signature
            self._lsh.insert(doc_id, signature[0])
