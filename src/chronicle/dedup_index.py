"""The near-duplicate index kept in the store, so that a run into a large store does not register
every stored text first.

Until issue 18 every run seeded the in-memory near-duplicate index (`clean.Deduplicator`) with a
MinHash of every stored text: minutes of CPU at 300,000 reports, whatever the run added. Now the
store keeps, per document, the keys its text has in that index (`Deduplicator.index_keys`: its
exact form and one per LSH band, table `near_duplicate_keys`), and a run registers only the stored
documents that share a key with a text it is about to check. Those are the stored documents the
full index would have offered as candidates (or had as an exact copy), registered in the same
order, so the duplicate flags are the same.

Keys are added for the documents written since the last time (`sync`: when a run opens the store
and at the end of `chronicle ingest`), found by their `ingested_at`. A document rewritten since
keeps its old keys beside the new ones: at worst it is offered as a candidate that the check then
measures and rejects. A store written before this index pays once, on its next run, what every
run used to pay.
"""

from __future__ import annotations

from collections.abc import Iterable

MARK = "near_duplicate_keys_until"  # meta: the last `ingested_at` whose documents have keys
_CHUNK = 2000


def sync(store, dedup=None) -> int:
    """Add the keys of the documents written since the last sync; how many documents."""
    if dedup is None:
        from .clean import Deduplicator

        dedup = Deduplicator()
    con = store.con
    row = con.execute("SELECT value FROM meta WHERE key = ?", [MARK]).fetchone()
    where, params = ("WHERE ingested_at > ?::TIMESTAMP", [row[0]]) if row else ("", [])
    reader = con.cursor()  # its own connection: the writes below do not end its result
    cur = reader.execute(f"SELECT id, text, ingested_at FROM documents {where} ORDER BY ingested_at",
                         params)
    done, last = 0, None
    try:
        while rows := cur.fetchmany(_CHUNK):
            keys, ids = [], []
            for doc_id, text, at in rows:
                for key in dedup.index_keys(text or ""):
                    keys.append(key)
                    ids.append(doc_id)
                last = at
            if keys:
                con.execute("INSERT INTO near_duplicate_keys SELECT unnest(?::INTEGER[]), "
                            "unnest(?::VARCHAR[])", [keys, ids])
            done += len(rows)
    finally:
        reader.close()
    if last is not None:
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [MARK, str(last)])
    return done


class StoredCandidates:
    """Registers with a run's `Deduplicator` the stored documents a text may duplicate, just
    before that text is checked (`prepare`, a batch at a time; `admit` does one text on its
    own when it was not prepared)."""

    def __init__(self, store, dedup):
        self.store, self.dedup = store, dedup
        sync(store, dedup)
        self.empty = store.con.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM near_duplicate_keys)").fetchone()[0]
        self.seeded: set[str] = set()
        self.looked_up: set[int] = set()  # hashes of the texts done

    def is_prepared(self, text: str) -> bool:
        return self.empty or hash(text) in self.looked_up

    def prepare(self, texts: Iterable[str]) -> None:
        if self.empty:
            return
        keys = set()
        for text in texts:
            if hash(text) not in self.looked_up:
                self.looked_up.add(hash(text))
                keys.update(self.dedup.index_keys(text, keep=True))
        if not keys:
            return
        con = self.store.con
        found = [i for (i,) in con.execute(
            "SELECT DISTINCT doc_id FROM near_duplicate_keys WHERE key IN (SELECT unnest(?::INTEGER[]))",
            [sorted(keys)]).fetchall() if i not in self.seeded]
        if not found:
            return
        for doc_id, text, original in con.execute(
                "SELECT id, text, duplicate_of FROM documents WHERE id IN (SELECT unnest(?::VARCHAR[])) "
                "ORDER BY id", [found]).fetchall():
            self.dedup.seed(doc_id, text, original)
        self.seeded.update(found)
