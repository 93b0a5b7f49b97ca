"""How the laptop groups the blobs waiting to go up (``sync.blobs._batches``): runs of small new blobs in
batches up to the request's limits, in the order they wait, anything else alone in its place."""

from __future__ import annotations

from sfa_desktop.protocol.blobs import MAX_BATCH, BlobState
from sfa_desktop.sync import blobs


def _sha(n: int) -> str:
    return f"{n:064x}"


def test_runs_of_small_new_blobs_are_batched_in_order_and_the_rest_go_alone(monkeypatch) -> None:
    monkeypatch.setattr(blobs, "MAX_BATCH_BLOBS", 3)
    chunk = 1000
    waiting = [(_sha(n), 10) for n in range(5)] + [(_sha(5), 5000)] + [(_sha(6), 10), (_sha(7), 10)]
    states = {_sha(7): BlobState(10, 0, False)}  # the store holds a row for it: resumed alone
    groups = [[int(sha, 16) for sha, _size in g] for g in blobs._batches(waiting, states, chunk)]
    assert groups == [[0, 1, 2], [3, 4], [5], [6], [7]]


def test_a_batch_stays_within_its_bytes() -> None:
    size = MAX_BATCH // 3 + 1  # two fit, a third would not
    waiting = [(_sha(n), size) for n in range(5)]
    groups = [len(g) for g in blobs._batches(waiting, {}, MAX_BATCH)]
    assert groups == [2, 2, 1]
