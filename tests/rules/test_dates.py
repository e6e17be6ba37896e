"""Dates and anniversaries in rules (issue 10, item 9): ``date``, ``anniversary``,
``next_anniversary``, ``last_anniversary``, ``days_between``, ``timestamp(expr)``, and
``datetime`` values in metadata from every input source. A date is a timestamp at 00:00 UTC
of its day. Every case runs through both evaluators."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

import promotor as pm
from promotor import context, customer
from promotor.errors import InputError, RuleError
from promotor.inputs import canonical_input_json
from tests.both import both
from tests.twin import rust_agrees

NOW = datetime(2027, 1, 3, 10, 30, tzinfo=UTC)
ONE = {"items": [{"sku": "A", "price": "10.00"}]}
CUSTOMER = {"id": "c1", "birthday": "1990-12-30", "created_at": "2026-02-28T23:00:00Z"}


def holds(rule: str | pm.Expr, cust: Any = CUSTOMER, now: datetime = NOW) -> bool:
    engine = pm.Engine([pm.Campaign(id="r", rules=rule, effect=pm.amount_off(1))])
    return bool(both(engine, ONE, customer=cust, now=now).applied)


@pytest.mark.parametrize(
    "rule",
    [
        'date("2027-01-03") == timestamp("2027-01-03T00:00:00Z")',
        'date(context.now) == date("2027-01-03")',
        'date(timestamp("2027-01-03T23:30:00Z"), "Europe/Warsaw") == date("2027-01-04")',
        'date(timestamp("2027-01-03T02:00:00Z"), "America/New_York") == date("2027-01-02")',
        'anniversary(customer.birthday, 2027) == date("2027-12-30")',
        'anniversary(timestamp("2000-02-29T00:00:00Z"), 2027) == date("2027-02-28")',
        'anniversary(timestamp("2000-02-29T00:00:00Z"), 2028) == date("2028-02-29")',
        'last_anniversary(customer.birthday, context.now) == date("2026-12-30")',
        'next_anniversary(customer.birthday, context.now) == date("2027-12-30")',
        'next_anniversary(customer.birthday, timestamp("2026-12-30T23:59:59Z"))'
        ' == date("2026-12-30")',
        'last_anniversary(customer.created_at, context.now, "Europe/Warsaw") == date("2026-02-28")',
        "days_between(last_anniversary(customer.birthday, context.now), date(context.now)) == 4",
        'days_between(date("2027-03-01"), date("2027-02-28")) == -1',
        'days_between(date("2028-02-28"), date("2028-03-01")) == 2',
        "days_between(customer.created_at, context.now) == 308",
        "timestamp(context.now) == context.now",
    ],
)
def test_date_functions(rule: str) -> None:
    assert holds(rule)
    # the rule text prints and parses back to the same rule
    assert str(pm.parse(rule)) == str(pm.parse(str(pm.parse(rule))))


def test_builder_spells_them_as_the_text_does() -> None:
    rule = customer.birthday.last_anniversary(context.now, "Europe/Warsaw").days_until(
        context.now.date("Europe/Warsaw")
    )
    assert str(rule) == (
        'days_between(last_anniversary(customer.birthday, context.now, "Europe/Warsaw"), '
        'date(context.now, "Europe/Warsaw"))'
    )
    assert str(customer.birthday.anniversary(context.now.year())) == (
        "anniversary(customer.birthday, year(context.now))"
    )
    assert str(customer.birthday.next_anniversary(context.now)) == (
        "next_anniversary(customer.birthday, context.now)"
    )
    assert str(pm.days_between(customer.created_at, context.now)) == (
        "days_between(customer.created_at, context.now)"
    )
    assert str(pm.date("2027-01-03")) == 'date("2027-01-03")'
    assert holds(rule < 7)


@pytest.mark.parametrize(
    ("rule", "kind"),
    [
        ('date("2027-1-3")', "invalid_literal"),
        ('date(context.now, "Mars/Olympus")', "unknown_timezone"),
        ("days_between(context.now, 3)", "type_mismatch"),
        ('anniversary(customer.birthday, "2027")', "type_mismatch"),
        ("days(customer.created_at, context.now)", "unknown_function"),
    ],
)
def test_mistakes_do_not_compile(rule: str, kind: str) -> None:
    with pytest.raises(RuleError) as err:
        pm.Engine([pm.Campaign(id="r", rules=f"{rule} == null", effect=pm.amount_off(1))])
    assert err.value.errors()[0]["type"] == kind


def test_a_misspelt_function_suggests_days_between() -> None:
    with pytest.raises(RuleError, match="days_between"):
        pm.Engine(
            [
                pm.Campaign(
                    id="r", rules="days_since(customer.created_at) > 3", effect=pm.amount_off(1)
                )
            ]
        )


LAPSED = "context.now - customer.metadata.last_order_at > duration('90d')"


@pytest.mark.parametrize(
    ("last_order_at", "lapsed"),
    [
        (datetime(2026, 9, 1, tzinfo=UTC), True),
        (datetime(2026, 12, 1, 12, tzinfo=timezone(timedelta(hours=2))), False),
        (date(2026, 10, 4), True),  # a date is its midnight in UTC: 91 days 10.5 hours before
        (date(2026, 10, 6), False),
    ],
)
def test_datetime_metadata_works_with_durations(last_order_at: Any, lapsed: bool) -> None:
    cust = {"id": "c1", "metadata": {"last_order_at": last_order_at}}
    assert holds(LAPSED, cust) is lapsed


def test_text_metadata_needs_timestamp() -> None:
    cust = {"id": "c1", "metadata": {"last_order_at": "2026-09-01T00:00:00Z"}}
    assert not holds(LAPSED, cust)  # text minus a timestamp is null
    rule = context.now - pm.timestamp(customer["last_order_at"]) > timedelta(days=90)
    assert holds(rule, cust)
    assert holds(
        rule, {"id": "c1", "metadata": {"last_order_at": datetime(2026, 9, 1, tzinfo=UTC)}}
    )


def test_a_naive_datetime_in_metadata_is_an_input_error() -> None:
    engine = pm.Engine([pm.Campaign(id="r", rules=LAPSED, effect=pm.amount_off(1))])
    with pytest.raises(InputError) as err:
        engine.evaluate(ONE, customer={"metadata": {"last_order_at": datetime(2026, 9, 1)}})
    [e] = err.value.errors()
    assert (e["type"], e["loc"]) == ("naive_datetime", ("customer", "metadata", "last_order_at"))


def test_json_input_writes_a_datetime_as_ts() -> None:
    engine = pm.Engine([pm.Campaign(id="r", rules=LAPSED, effect=pm.amount_off(1))])
    canonical = canonical_input_json(
        json.dumps(
            {
                "cart": ONE,
                "customer": {"metadata": {"last_order_at": {"$ts": "2026-09-01T00:00:00Z"}}},
                "context": {"now": "2027-01-03T10:30:00Z"},
            }
        )
    )
    assert canonical["customer"]["metadata"]["last_order_at"] == datetime(2026, 9, 1, tzinfo=UTC)
    assert rust_agrees(engine.to_ir(), canonical)
    assert engine._program.evaluate(canonical)["applied"]


def test_arrow_rows_read_datetime_metadata() -> None:
    engine = pm.Engine([pm.Campaign(id="r", rules=LAPSED, effect=pm.amount_off(1))])
    orders = pa.table(
        {
            "order_id": ["o1", "o2", "o3"],
            "created_at": pa.array([NOW] * 3, pa.timestamp("us", tz="UTC")),
            "customer_id": ["c1", "c2", "c3"],
            "customer_metadata": [
                json.dumps({"last_order_at": {"$ts": "2026-09-01T00:00:00Z"}}),
                json.dumps({"last_order_at": {"$ts": "2026-12-30"}}),
                json.dumps({"last_order_at": "2026-09-01T00:00:00Z"}),
            ],
            "items": [[{"sku": "A", "price": Decimal("10.00"), "quantity": 1}]] * 3,
        }
    )
    out = engine.evaluate_batch(orders)
    assert [str(d) for d in out.column("discount").to_pylist()] == ["1.00", "0.00", "0.00"]


def test_text_where_a_time_is_meant_suggests_timestamp() -> None:
    with pytest.raises(RuleError, match=r"timestamp\(\.\.\.\)") as err:
        pm.Engine(
            [
                pm.Campaign(
                    id="r",
                    rules='context.now - customer.email > duration("1d")',
                    effect=pm.amount_off(1),
                )
            ]
        )
    assert err.value.errors()[0]["type"] == "type_mismatch"
