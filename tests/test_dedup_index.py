"""The near-duplicate index kept in the store (`chronicle.dedup_index`): a run into a store finds
copies of stored texts as registering every stored text would, while registering only the few
that share a key with what it checks."""

from __future__ import annotations

import random

from chronicle.clean import Deduplicator
from chronicle.dedup_index import sync
from chronicle.pipeline import Admission
from chronicle.record import Document, Flags, Source
from chronicle.scale.simulate import documents
from chronicle.store import Store


def _doc(doc_id: str, text: str) -> Document:
    return Document(id=doc_id, text=text, source=Source(path=f"{doc_id}.txt", format="txt"),
                    language="en", flags=Flags())


def _incoming(stored: list[Document], rng: random.Random) -> list[Document]:
    """Exact copies, copies with a line added, texts with a sentence changed, and new texts."""
    out = []
    for n, doc in enumerate(rng.sample(stored, 30)):
        words = doc.text.split()
        if n % 3 == 0:
            text = doc.text.upper()
        elif n % 3 == 1:
            text = doc.text + "\n\nAdvertisement. Share this article with your friends."
        else:
            k = len(words) // 2
            text = " ".join(words[:k] + ["meanwhile", "officials", "declined", "to", "comment"] + words[k + 3:])
        out.append(_doc(f"in{n}", text))
    out += [_doc(f"new{n}", d.text) for n, d in enumerate(documents(20, seed=99, id_prefix="x"))]
    rng.shuffle(out)
    return out


def test_copies_of_stored_texts_are_found_as_registering_every_stored_text_would(tmp_path):
    rng = random.Random(4)
    stored = [d for d in documents(600, seed=8) if len(d.text.split()) > 40]
    with Store(tmp_path / "s.duckdb") as store:
        store.write_documents(stored)
        admission = Admission(store)  # indexes what is stored, once
        keys = store.query("SELECT count(*), count(DISTINCT doc_id) FROM near_duplicate_keys")[1][0]
        assert keys[1] == len(stored) and keys[0] > 30 * len(stored)
        incoming = _incoming(stored, rng)
        admission.prepare([(d, d.id) for d in incoming])
        flags_index = {}
        for doc in incoming:
            assert admission.admit(doc) == "new"
            flags_index[doc.id] = doc.flags.duplicate_of

    full = Deduplicator()  # what every run did before: register every stored text first
    for doc in sorted(stored, key=lambda d: d.id):
        full.seed(doc.id, doc.text, doc.flags.duplicate_of)
    flags_full = {doc.id: full.check(_doc(doc.id, doc.text)).flags.duplicate_of for doc in incoming}

    assert flags_index == flags_full
    assert sum(1 for v in flags_full.values() if v) >= 25  # the copies were found
    assert len(admission.stored.seeded) <= 40  # not the 600 stored texts


def test_a_text_admitted_without_a_prepared_batch_is_still_compared(tmp_path):
    stored = list(documents(50, seed=2))
    with Store(tmp_path / "s.duckdb") as store:
        store.write_documents(stored)
        admission = Admission(store)
        copy = _doc("copy", stored[7].text + "\n\nRead more on our site.")
        assert admission.admit(copy) == "new"  # the Ray driver's path: one document at a time
        assert copy.flags.duplicate_of == stored[7].id


def test_keys_are_added_only_for_documents_written_since_the_last_time(tmp_path):
    first, second = list(documents(40, seed=3)), list(documents(10, seed=4, id_prefix="later"))
    with Store(tmp_path / "s.duckdb") as store:
        store.write_documents(first)
        assert sync(store) == 40
        assert sync(store) == 0
        store.write_documents(second)
        assert sync(store) == 10
        ids = store.query("SELECT count(DISTINCT doc_id) FROM near_duplicate_keys")[1][0][0]
        assert ids == 50
