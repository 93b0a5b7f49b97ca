"""fields.clean's fast paths for bulk loads (text and references as plain strings, whole numbers and money as
ints) give exactly what clean_value gives, errors included."""

from __future__ import annotations

from typing import Any

import pytest

from sfa_desktop.core.records.fields import ORDER_LINES, ORDERS, Field, clean, clean_value
from sfa_desktop.core.records.validation import FieldError, ValidationError

QUANTITY = ORDER_LINES.by_name["quantity"]
TOTAL = ORDERS.by_name["total_cents"]
ACCOUNT = ORDERS.by_name["account_id"]
VALUES: list[tuple[Field, Any]] = [
    *((QUANTITY, v) for v in (-1_000_001, -1_000_000, 0, 7, 1_000_000, 1_000_001, True, False, "12")),
    *((TOTAL, v) for v in (-1, 0, 19_800, 10**15, 10**15 + 1, True, "198.00")),
    *(
        (ACCOUNT, v)
        for v in ("6f1c0e2a-2b1e-4c7e-9a55-0d1f1c2b3a4d", "  id  ", "a\x00b", "a\u00a0b", "", "x\x7f")
    ),
]


@pytest.mark.parametrize(("spec", "value"), VALUES)
def test_clean_agrees_with_clean_value(spec: Field, value: Any) -> None:
    entity = ORDER_LINES if spec is QUANTITY else ORDERS
    try:
        expected: Any = clean_value(spec, value)
    except FieldError:
        expected = FieldError
    try:
        got: Any = clean(entity, {spec.name: value}, partial=True)[spec.name]
    except ValidationError:
        got = FieldError
    assert got == expected
    assert type(got) is type(expected)
