"""What makes the page's filters fast on a large store (issue 18): tables resolve keeps beside the
clusters, read by `query.py` while they describe the store as it is.

At a million events the actor and text filters read every member event's actor JSON or evidence
sentence (0.7-1.1 s a call), and the country filter and the places view every cluster's place JSON.
Kept instead, in the transaction that writes the clusters:

- `cluster_index`: every cluster's row as in `clusters`, with an integer key `k` (the key the
  word postings name: joining on it costs half of joining on the text ids), its place's country
  and feature as plain columns, and what the actor filter compares, as text between NUL
  characters: `actors`, each member event's (and the cluster's own) source and target as
  lower(name | text), and `sectors`, their upper-cased sectors. A needle holds no NUL (the reader
  falls back to the scan for one that does), so `contains(actors, needle)` is true exactly when
  one of the strings contains it, and `contains(sectors, NUL SECTOR NUL)` when one equals it.
- `search_words` (id, word) and `cluster_words` (word, k): the words of the member events'
  evidence sentences and their reports' titles, lower-cased and cut at whitespace and ASCII
  punctuation (`WORD_SEPARATORS`), and the clusters holding each. Any run of the needle's word
  characters lies inside one word of a text that contains the needle, so a cluster whose words
  contain every such run of the needle is a candidate, and one without is not; a needle that is
  a single run (a word, or part of one) is matched by its candidates exactly; for another the
  reader checks the candidates with the scan's own test.

`meta` says what they describe: `filter_index_clusters` the clusters' state (meta `clusters`) they
were last brought up to date with, which an incremental resolve needs to update them by what it
changed (else it rebuilds them), and `filter_index_generation` the store's generation then, which
readers compare with the current one (any write since, and they read the plain tables).
"""

from __future__ import annotations

import re

# The page's filters read these as the scan reads `clusters`: the same columns, in that order.
CLUSTER_COLUMNS = ("id", "type", "mode", "cameo", "source", "target", "source_country",
                   "target_country", "date", "date_precision", "location", "location_name", "lat",
                   "lon", "quantity", "modality", "confidence", "num_sources", "num_articles",
                   "first_report", "last_report", "representative")

# Whitespace and ASCII punctuation, written out so that Python's `re` and DuckDB's RE2 read the
# same characters (their `\s` and `\w` differ beyond ASCII); '_' is punctuation here.
_SEPARATOR_CHARS = r"\t\n\x0b\x0c\r !-/:-@\[-`{-~"
WORD_SEPARATORS = f"[{_SEPARATOR_CHARS}]+"
_WORD_RE = re.compile(f"[^{_SEPARATOR_CHARS}]+")
TERM_TABLES = ("search_words", "cluster_words", "search_pairs", "cluster_pairs")



def text_terms(needle: str) -> tuple[list[tuple[str, str]], bool]:
    """What the text filter looks a (lower-cased) needle up by: ("words", run) for a needle of one
    run of word characters, else ("pairs", run, separator, next run) for each two neighbouring
    runs; and whether the clusters holding every one are exactly those whose texts contain the
    needle (else they are candidates to check). A run of the needle lies inside a word of a text
    that contains it; two neighbouring runs, inside a pair of neighbouring words (the separator
    between them being the whole of the text's). So one run alone, or two runs with nothing
    around them, are matched exactly; no run (only separators): nothing to look up."""
    runs = [m.span() for m in _WORD_RE.finditer(needle)]
    if len(runs) == 1:
        (start, end), = runs
        return [("words", needle[start:end])], (start, end) == (0, len(needle))
    terms = list(dict.fromkeys(("pairs", needle[a[0]:b[1]]) for a, b in zip(runs, runs[1:])))
    return terms, len(runs) == 2 and runs[0][0] == 0 and runs[-1][1] == len(needle)


def _label(actor: str) -> str:
    """An actor as the actor filter compares it (query.py: lower(name | text))."""
    return (f"lower(concat_ws(' | ', json_extract_string({actor}, '$.name'), "
            f"json_extract_string({actor}, '$.text')))")


def _sector(actor: str) -> str:
    """An actor's sector as the filter compares it; NULL for one holding a NUL (only a needle
    holding one could equal it, and such a needle is matched by the scan)."""
    sector = f"upper(json_extract_string({actor}, '$.sector'))"
    return f"CASE WHEN contains({sector}, chr(0)) THEN NULL ELSE {sector} END"


def _nul_joined(items: str) -> str:
    """A list of strings as one text, each between NUL characters (list_distinct drops NULLs)."""
    return f"chr(0) || array_to_string({items}, chr(0)) || chr(0)"


def _index_rows(con, keys: dict[str, int] | None, members: list[tuple] | None = None,
                old: dict[str, tuple[str, str]] | None = None) -> None:
    """Insert into `cluster_index` and the term tables the clusters `keys` (id -> key; None: every
    cluster, keyed in date order, which zone maps then skip by), from the contributions of
    `members` ((cluster id, event id, doc id): all of a cluster's, or those it gained since its
    row `old` (id -> actors, sectors) was written, which the new row then extends). Members,
    events and reports are read by literal key lists, which DuckDB pushes into each scan."""
    from .store import sql_list

    old = old or {}
    if keys is None:
        new = """SELECT row_number() OVER (ORDER BY c.date, c.id) AS k, c.*,
                        NULL AS old_actors, NULL AS old_sectors FROM clusters c"""
        params: list = []
        members_sql, events, documents = "cluster_members", "events", "documents"
    else:
        ids = sorted(keys)
        new = f"""SELECT n.k, c.*, n.old_actors, n.old_sectors
                  FROM (SELECT * FROM clusters WHERE id IN {sql_list(ids)}) c
                  JOIN (SELECT unnest(?::VARCHAR[]) AS id, unnest(?::INTEGER[]) AS k,
                               unnest(?::VARCHAR[]) AS old_actors, unnest(?::VARCHAR[]) AS old_sectors) n
                  ON n.id = c.id"""
        params = [ids, [keys[i] for i in ids], [old.get(i, (None, None))[0] for i in ids],
                  [old.get(i, (None, None))[1] for i in ids]]
        members = members or []
        con.execute("DROP TABLE IF EXISTS temp.filter_index_members")
        con.execute("""CREATE TEMP TABLE filter_index_members AS SELECT unnest(?::VARCHAR[]) AS cluster_id,
                       unnest(?::VARCHAR[]) AS event_id, unnest(?::VARCHAR[]) AS doc_id""",
                    [[m[0] for m in members], [m[1] for m in members], [m[2] for m in members]])
        members_sql = "temp.filter_index_members"
        events = f"(SELECT * FROM events WHERE id IN {sql_list(sorted({m[1] for m in members}))})"
        documents = (f"(SELECT id, title FROM documents "
                     f"WHERE id IN {sql_list(sorted({m[2] for m in members if m[2] is not None}))})")
    con.execute("DROP TABLE IF EXISTS temp.filter_index_new")
    con.execute(f"CREATE TEMP TABLE filter_index_new AS {new}", params)
    actors = f"[{_label('e.source')}, {_label('e.target')}]"
    sectors = f"[{_sector('e.source')}, {_sector('e.target')}]"
    con.execute(f"""INSERT INTO cluster_index
        SELECT c.k, {', '.join('c.' + col for col in CLUSTER_COLUMNS)},
               json_extract_string(c.location, '$.country'), json_extract_string(c.location, '$.feature'),
               {_nul_joined(f"list_sort(list_distinct(coalesce(m.actors, []) || [{_label('c.source')}, {_label('c.target')}] || {_unjoined('c.old_actors')}))")},
               {_nul_joined(f"list_sort(list_distinct(coalesce(m.sectors, []) || [{_sector('c.source')}, {_sector('c.target')}] || {_unjoined('c.old_sectors')}))")}
        FROM temp.filter_index_new c
        LEFT JOIN (
            SELECT m.cluster_id, flatten(list({actors})) AS actors, flatten(list({sectors})) AS sectors
            FROM {members_sql} m JOIN {events} e ON e.id = m.event_id
            GROUP BY m.cluster_id) m ON m.cluster_id = c.id
        ORDER BY c.k""")
    con.execute("DROP TABLE IF EXISTS temp.filter_index_texts")
    con.execute(f"""CREATE TEMP TABLE filter_index_texts AS
        SELECT k, regexp_split_to_array(text, '{WORD_SEPARATORS}') AS words,
               regexp_extract_all(text, '{WORD_SEPARATORS}') AS separators
        FROM (SELECT n.k, lower(e.evidence_text) AS text
              FROM temp.filter_index_new n JOIN {members_sql} m ON m.cluster_id = n.id
              JOIN {events} e ON e.id = m.event_id
              UNION SELECT n.k, lower(d.title)
              FROM temp.filter_index_new n JOIN {members_sql} m ON m.cluster_id = n.id
              JOIN {documents} d ON d.id = m.doc_id WHERE d.title IS NOT NULL)""")
    # a text is words[1] separators[1] words[2] ... words[n] ('' first or last when it starts or
    # ends with a separator); a pair is two neighbouring words with what separates them
    _postings(con, "search_words", "cluster_words", """
        SELECT DISTINCT k, term FROM (SELECT k, unnest(words) AS term FROM temp.filter_index_texts)
        WHERE term <> ''""")
    _postings(con, "search_pairs", "cluster_pairs", """
        SELECT DISTINCT k, words[i] || separators[i] || words[i + 1] AS term FROM (
            SELECT k, words, separators, unnest(range(1, len(separators) + 1)) AS i
            FROM temp.filter_index_texts)
        WHERE words[i] <> '' AND words[i + 1] <> ''""")
    for table in ("texts", "new", "members"):
        con.execute(f"DROP TABLE IF EXISTS temp.filter_index_{table}")


def _unjoined(column: str) -> str:
    """The list a `_nul_joined` text holds ([] for NULL or none)."""
    return (f"CASE WHEN {column} IS NULL OR {column} = chr(0) || chr(0) THEN []::VARCHAR[] "
            f"ELSE string_split(substring({column}, 2, length({column}) - 2), chr(0)) END")


def _postings(con, vocabulary: str, postings: str, terms: str) -> None:
    """Add the (k, term) rows `terms` selects: new terms get the ids after the largest in
    `vocabulary` (id, term), and `postings` (term id, k) a row for each. A cluster that gained
    members may get a row it holds already: a posting twice finds the same cluster, and looking
    for the rows it holds would scan every posting."""
    con.execute("DROP TABLE IF EXISTS temp.filter_index_terms")
    con.execute(f"CREATE TEMP TABLE filter_index_terms AS {terms}")
    con.execute(f"""INSERT INTO {vocabulary}
        SELECT (SELECT coalesce(max(id), 0) FROM {vocabulary}) + row_number() OVER (ORDER BY term), term
        FROM (SELECT DISTINCT term FROM temp.filter_index_terms
              WHERE term NOT IN (SELECT term FROM {vocabulary}))""")
    con.execute(f"""INSERT INTO {postings}
        SELECT v.id, t.k FROM temp.filter_index_terms t JOIN {vocabulary} v ON v.term = t.term
        ORDER BY v.id, t.k""")
    con.execute("DROP TABLE temp.filter_index_terms")


def rebuild(con) -> None:
    """Index every cluster (inside the writer's transaction)."""
    con.execute("SET enable_progress_bar = false")  # seconds at 10^6: no bar on the user's terminal
    for table in ("cluster_index",) + TERM_TABLES:
        con.execute(f"DELETE FROM {table}")
    _index_rows(con, None)
    (last,), = con.execute("SELECT coalesce(max(k), 0) FROM cluster_index").fetchall()
    _mark(con, last)


def update(con, clusters_before: str | None, removed: list[str], added: list[str],
           grown: dict[str, list[tuple[str, str]]] | None = None) -> None:
    """After a resolve replaced the clusters `removed` with `added` (inside its transaction,
    after it marked the new state): update the index by that difference when it described the
    clusters as they were before (`clusters_before`, meta `clusters` then), else rebuild it.
    `grown`: of the added clusters, those that only gained members (id -> (event id, doc id) of
    each new one): their rows are extended by what the new members bring, not recomputed from
    every member (a cluster of thousands of reports that one report joins)."""
    from .store import sql_list

    described = dict(con.execute(
        "SELECT key, value FROM meta WHERE key IN ('filter_index_clusters', 'filter_index_last_k')").fetchall())
    if clusters_before is None or described.get("filter_index_clusters") != clusters_before:
        rebuild(con)
        return
    grown = grown or {}
    before = {cid: (k, actors, sectors) for cid, k, actors, sectors in con.execute(
        f"SELECT id, k, actors, sectors FROM cluster_index WHERE id IN {sql_list(removed)}").fetchall()
    } if removed else {}
    kept = set(added) & set(grown) & set(before)  # rows extended in place, under their keys
    # the term postings of a removed row stay: they name a key no row has any more (keys are never
    # given twice), so they match nothing; deleting them would scan every posting. A full resolve
    # (`rebuild`) writes the postings anew.
    if before:
        con.execute(f"DELETE FROM cluster_index WHERE k IN ({', '.join(str(v[0]) for v in before.values())})")
    last = int(described.get("filter_index_last_k") or 0)
    fresh = sorted(set(added) - kept)
    keys = {cid: last + n for n, cid in enumerate(fresh, 1)}
    members = [(cid, e, d) for cid, e, d in con.execute(
        f"SELECT cluster_id, event_id, doc_id FROM cluster_members WHERE cluster_id IN {sql_list(fresh)}"
    ).fetchall()] if fresh else []
    if fresh:
        _index_rows(con, keys, members)
    if kept:
        _index_rows(con, {cid: before[cid][0] for cid in kept},
                    [(cid, e, d) for cid in sorted(kept) for e, d in grown[cid]],
                    {cid: before[cid][1:] for cid in kept})
    _mark(con, last + len(fresh))


def _mark(con, last_k: int) -> None:
    """Say what the index now describes, and the last key it gave."""
    con.execute("""INSERT OR REPLACE INTO meta
                   SELECT 'filter_index_' || key, value FROM meta WHERE key IN ('clusters', 'generation')""")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('filter_index_last_k', ?)", [str(last_k)])


def is_current(con) -> bool:
    """Whether the index describes the store as it is now (nothing written since it was made)."""
    rows = dict(con.execute(
        "SELECT key, value FROM meta WHERE key IN ('generation', 'filter_index_generation')").fetchall())
    return rows.get("generation") is not None and rows.get("generation") == rows.get("filter_index_generation")
