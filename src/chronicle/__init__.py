"""Chronicle: news reports to verifiable political event data."""
