"""Chronicle: news reports to verifiable political event data.

Nothing heavy is imported here: models and the database load lazily, when first used.
"""

__version__ = "0.1.0"
