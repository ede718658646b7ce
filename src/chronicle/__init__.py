"""Chronicle: news reports to verifiable political event data.

Nothing heavy is imported here: models and the database load lazily, when first used.
"""

__version__ = "0.1.0"


def open(path):  # noqa: A001 - `chronicle.open(path)` mirrors the built-in on purpose
    """Open a Chronicle database read-only: `chronicle.open("news.duckdb").events(country="KAZ")`."""
    from .query import Chronicle

    return Chronicle(path)


def code_actor(phrase, date=None):
    """Code an actor phrase: `chronicle.code_actor("Almaty police", "2022-01-05")` → its actor
    (country, sector, kind) and `matched`, the knowledge that decided it."""
    from .actors import code_actor as _code_actor

    return _code_actor(phrase, date)
