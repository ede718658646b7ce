"""Chronicle: news reports to verifiable political event data.

Nothing heavy is imported here: models and the database load lazily, when first used.
"""

__version__ = "0.1.0"


def open(path):  # noqa: A001 - `chronicle.open(path)` mirrors the built-in on purpose
    """Open a Chronicle database read-only: `chronicle.open("news.duckdb").events(country="KAZ")`."""
    from .query import Chronicle

    return Chronicle(path)
