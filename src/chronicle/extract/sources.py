"""The training sources of the event classifier, their label mappings and their fixed splits.

Read in place from `../shared/train` (never copied into the repository, never shipped): what
ships is the model trained on them and a card naming each file's sha1 (`train.py`).

- `plover-plv/PLV_train.tsv`: real news sentences with a PLOVER root type (one per sentence) and
  the source and target marked. PLV writes CONCEDE and RETREAT as one type, YIELD;
  `yield_type` splits it the PLOVER way: RETREAT is a concession with immediate material
  consequences (a release, a withdrawal, a ceasefire carried out, a resignation that happened),
  CONCEDE a verbal one (promised, declared, eased on paper).
- `india-police-events/sents.jsonl`: every sentence of 1,257 Times of India articles with
  police-act labels. ARREST is COERCE (arrest mode), KILL and FORCE are ASSAULT (police force:
  firing, baton charges, tear gas — PLOVER's crowd-control mode), FAIL (the police failed to act)
  and a lone ANY_ACTION (patrols, curfews, "the situation is under control") name no type we can
  map, so those sentences are neither positives nor negatives. A sentence with no label is real
  news with no police act: mostly no event at all, the negatives the classifier lacked.
- `conflibert-cameo/cameo_class_train.tsv`: news sentences with a CAMEO quad class only
  (statement, verbal/material cooperation/conflict), not a PLOVER type, and partly the PLV
  sentences again. `read_cameo` drops those (same text once lower-cased and stripped of all but
  letters and digits) and keeps the rest as weak labels: "some act of this sentence is of a type
  in this quad class" (`type_quads` says which types those are, learnt from the shared sentences,
  coded both ways). They name no word and no type, so `source_items` never reads them as
  examples of either kind (`untyped`); `train.weak_items` turns them into bags of candidates.

Every source is split once, by a hash of its document key (a PLV sentence id, a police article id,
a ConfliBERT sentence's compared text), into `train`, `dev` (calibration and thresholds) and `test`
(held out: never trained or tuned on; `chronicle eval plv`, `police` and `cameo` score it). The split does not depend on the order
of the file or on a random seed, so adding rows never moves an old one across it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

# tenths of the key space: 0-1 test (20%), 2 dev (10%), 3-9 train (70%)
_TEST, _DEV = {0, 1}, {2}


def split_of(key: str) -> str:
    """'test', 'dev' or 'train' for a document key; fixed by the key's sha1 alone."""
    bucket = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 10
    return "test" if bucket in _TEST else "dev" if bucket in _DEV else "train"


@dataclass
class Labelled:
    """One sentence of a source: its text, the event types it holds (empty: no event), where it
    comes from, and whatever else the source marks (source/target spans, modality)."""
    text: str
    types: list[str]
    source: str           # "plv" | "police"
    key: str              # the document the sentence belongs to (what the split hashes)
    split: str
    extra: dict = field(default_factory=dict)


def shared_train_dir() -> Path:
    """../shared/train beside the repository (or beside the working directory)."""
    from ..evaluate.scoring import gold_path

    return gold_path("shared/train")


PLV_FILE = "plover-plv/PLV_train.tsv"
POLICE_FILE = "india-police-events/sents.jsonl"
CAMEO_FILE = "conflibert-cameo/cameo_class_train.tsv"
# ConfliBERT's and PLV's (`gold_penta`) numbering of CAMEO's quad classes, statements first
QUADS = ("statement", "verbal cooperation", "material cooperation", "verbal conflict",
         "material conflict")

# RETREAT's modes in the PLOVER codebook (withdraw, release, return, disarm, ceasefire, access,
# resign) and the CAMEO 08x codes CAMEO2PLOVER puts under RETREAT (ease economic sanctions,
# allow aid and inspectors in, surrender): the lemmas that tell such an act.
_RETREAT_LEMMAS = {
    "withdraw", "withdrew", "withdrawal", "retreat", "pullout", "release", "free", "return",
    "resign", "resignation", "quit", "disarm", "demobilize", "demobilise", "surrender",
    "evacuate", "allow", "reopen", "repatriate", "extradite", "leave", "hand",
}
# A ceasefire "declared" or a release "promised" is verbal: the codebook keeps promises and
# declarations under CONCEDE.
_PROMISE_LEMMAS = {"declare", "announce", "promise", "pledge", "vow", "offer", "agree", "say",
                   "plan", "will", "would", "propose"}


def yield_type(text: str, modality: str = "past", lemmas: list[str] | None = None) -> str:
    """PLV's YIELD as CONCEDE or RETREAT (the codebook's line between verbal and material
    concessions): RETREAT when the sentence tells a material act of RETREAT's modes as done,
    CONCEDE otherwise (promised, declared, granted on paper, or no such act)."""
    words = lemmas if lemmas is not None else re.findall(r"[a-z]+", text.lower())
    if modality == "todo":
        return "CONCEDE"
    if any(_inflects(w, _PROMISE_LEMMAS) for w in words[:12]) and any(
            w in ("ceasefire", "truce", "cessation") for w in words):
        return "CONCEDE"
    return "RETREAT" if any(_inflects(w, _RETREAT_LEMMAS) for w in words) else "CONCEDE"


_ENDINGS = ("", "s", "d", "ed", "es", "ing", "n", "ment")


def _inflects(word: str, lemmas: set[str]) -> bool:
    """`word` is one of `lemmas` or a regular inflection of one ('released', 'withdrawing');
    a stemmer of our own because the reader runs without a parser."""
    if word in lemmas:
        return True
    for ending in _ENDINGS[1:]:
        if word.endswith(ending) and len(word) > len(ending) + 3:
            stem = word[: -len(ending)]
            if stem in lemmas or stem + "e" in lemmas or (
                    len(stem) > 4 and stem[-1] == stem[-2] and stem[:-1] in lemmas):
                return True
    return False


# PLV root types that are ours as they are
_PLV_SAME = {"AGREE", "CONSULT", "SUPPORT", "COOPERATE", "AID", "REQUEST", "ACCUSE", "REJECT",
             "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT", "CONCEDE",
             "RETREAT"}


def plv_type(root: str, text: str, modality: str = "past", lemmas: list[str] | None = None) -> str | None:
    """Our type for a PLV `gold_root` (None for a label we cannot map)."""
    root = root.strip().upper()
    if root == "YIELD":
        return yield_type(text, modality, lemmas)
    return root if root in _PLV_SAME else None


_MARK = re.compile(r"</?[st]>")


def read_plv(path: Path | None = None) -> list[Labelled]:
    path = path or shared_train_dir() / PLV_FILE
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            text = " ".join(row["sentence"].split())
            mapped = plv_type(row["gold_root"], text, row.get("modality_L2") or "past")
            if not text or mapped is None:
                continue
            key = f"plv:{row['sentence_id']}"
            out.append(Labelled(text, [mapped], "plv", key, split_of(key), {
                "source_span": row.get("source") or "", "target_span": row.get("target") or "",
                "modality": row.get("modality_L2") or "", "gold_root": row["gold_root"]}))
    return out


# police label → our type; FAIL and a lone ANY_ACTION map to nothing (see the module doc)
POLICE_TYPES = {"ARREST": "COERCE", "KILL": "ASSAULT", "FORCE": "ASSAULT"}


def police_types(labels: list[str]) -> list[str] | None:
    """Our types for a police sentence's labels: [] for no act at all, None when the labels name
    an act we cannot type (FAIL, ANY_ACTION alone) — such a sentence is neither kind of example."""
    mapped = sorted({POLICE_TYPES[lab] for lab in labels if lab in POLICE_TYPES})
    if mapped:
        return mapped
    return [] if not labels else None


def fix_mojibake(text: str) -> str:
    """UTF-8 read as Windows-1252 ('â€˜' for '‘'), as the police sentences were scraped: undone
    where the round trip is clean, left alone where it is not."""
    if not any(c in text for c in "âÂÃ"):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text.replace("Â", "")


def read_police(path: Path | None = None) -> list[Labelled]:
    path = path or shared_train_dir() / POLICE_FILE
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            text = " ".join(fix_mojibake(row["sent_text"]).split())
            types = police_types(row.get("sent_labels") or [])
            if not text:
                continue
            key = f"police:{row['doc_id']}"
            out.append(Labelled(text, types if types is not None else [], "police", key,
                                split_of(key), {"labels": row.get("sent_labels") or [],
                                                "sent_id": row["sent_id"], "untyped": types is None}))
    return out


def compared(text: str) -> str:
    """A sentence as two sources' copies of it are compared: lower case, letters and digits only
    (ConfliBERT's copies of PLV sentences differ in quotes, dashes and spacing)."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def type_quads(path: Path | None = None, plv_path: Path | None = None,
               share: float = 0.2) -> dict[str, tuple[int, ...]]:
    """Our type → the CAMEO quad classes (indices into `QUADS`) ConfliBERT codes its acts in.
    Learnt from the 538 sentences the ConfliBERT file shares with PLV, which carry a PLOVER root
    there: each class holding at least `share` of a root's shared sentences, the most frequent
    first. The two sources number the classes differently (PLV's `gold_penta` puts all 39
    SANCTION sentences in material conflict, ConfliBERT 29 of 29 shared ones in verbal conflict;
    ConfliBERT codes 8 of 34 COERCE sentences as verbal conflict), so the map is read from the
    source it is applied to. YIELD counts for CONCEDE and RETREAT both."""
    path = path or shared_train_dir() / CAMEO_FILE
    plv_path = plv_path or shared_train_dir() / PLV_FILE
    with open(plv_path, encoding="utf-8", newline="") as fh:
        roots = {compared(row["sentence"]): row["gold_root"].strip().upper()
                 for row in csv.DictReader(fh, delimiter="\t")}
    counts: dict[str, dict[int, int]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            text, _, quad = line.rstrip("\n").rpartition("\t")
            root = roots.get(compared(text))
            if root is None or not quad.strip().isdigit():
                continue
            for typ in (("CONCEDE", "RETREAT") if root == "YIELD" else (root,)):
                if typ in _PLV_SAME:
                    by = counts.setdefault(typ, {})
                    by[int(quad)] = by.get(int(quad), 0) + 1
    return {typ: tuple(q for q, n in sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))
                       if n >= share * sum(by.values()))
            for typ, by in sorted(counts.items())}


def read_cameo(path: Path | None = None, plv_path: Path | None = None) -> list[Labelled]:
    """The ConfliBERT quad-class sentences that PLV does not also hold, as weak labels:
    `types` empty, `extra["quad"]` the class, `extra["untyped"]` set (see the module doc). Split
    by the compared text's hash, so a sentence keeps its split whatever else the file holds."""
    path = path or shared_train_dir() / CAMEO_FILE
    plv_path = plv_path or shared_train_dir() / PLV_FILE
    with open(plv_path, encoding="utf-8", newline="") as fh:
        plv = {compared(row["sentence"]) for row in csv.DictReader(fh, delimiter="\t")}
    out, seen = [], set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            text, _, quad = line.rstrip("\n").rpartition("\t")
            text = " ".join(text.split())
            key = compared(text)
            if not text or not quad.strip().isdigit() or key in plv or key in seen:
                continue
            seen.add(key)
            doc = f"cameo:{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}"
            out.append(Labelled(text, [], "cameo", doc, split_of(doc),
                                {"quad": int(quad), "untyped": True}))
    return out


def file_sha1(relative: str) -> str:
    return hashlib.sha1((shared_train_dir() / relative).read_bytes()).hexdigest()
