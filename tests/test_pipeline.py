"""The pipeline driver: a pool of worker processes gives exactly the single-process output."""

from pathlib import Path

from chronicle.pipeline import run
from chronicle.record import to_json

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def records(workers: int) -> list[bytes]:
    out: list[bytes] = []
    report = run([str(EXAMPLES)], lambda doc: out.append(to_json(doc)), workers=workers,
                 batch_size=2)  # small batches so several are in flight at once
    assert not report.errors
    return out


def test_two_workers_give_the_same_records_in_the_same_order_as_one():
    one = records(1)
    assert len(one) >= 7 and any(b'"events":[{' in r for r in one)
    assert records(2) == one
