"""Case-sensitive codes as an engine option (issue 10, item 8), as a shop would say it: "our
codes are printed on cards, and SPRING-a and SPRING-A are two different cards"."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import promotor as pm
from promotor.errors import RuleError
from tests.both import both

CART = {"items": [{"sku": "A1", "price": "40.00", "quantity": 1}]}


def cards(case_sensitive: bool) -> pm.Engine:
    return pm.Engine(
        [
            pm.Campaign(id="five", code="SPRING-a", effect=pm.amount_off(5)),
            pm.Campaign(id="ten", code="SPRING-A", effect=pm.amount_off(10)),
        ],
        codes_case_sensitive=case_sensitive,
    )


@pytest.mark.parametrize(
    ("given", "applied", "unknown"),
    [
        (["SPRING-a"], ["five"], []),
        (["SPRING-A"], ["ten"], []),
        ([" SPRING-A "], ["ten"], []),  # white space around a code still does not count
        (["ＳＰＲＩＮＧ-A"], ["ten"], []),  # nor do compatibility forms
        (["spring-a"], [], ["spring-a"]),  # but case does
        (["SPRING-a", "SPRING-A"], ["five", "ten"], []),
    ],
)
def test_two_cards_that_differ_only_in_case_are_two_codes(
    given: list[str], applied: list[str], unknown: list[str]
) -> None:
    result = both(cards(True), CART, codes=given)
    assert [a.campaign_id for a in result.applied] == applied
    assert [r.code for r in result.rejected if r.reason == "unknown_code"] == unknown


def test_by_default_codes_match_whatever_their_case() -> None:
    engine = pm.Engine([pm.Campaign(id="five", code="SPRING-a", effect=pm.amount_off(5))])
    assert both(engine, CART, codes=["spring-A"]).discount == Decimal("5.00")


def test_case_insensitive_engines_refuse_codes_equal_but_for_case() -> None:
    with pytest.raises(RuleError, match="case-insensitively"):
        cards(False)


def test_case_sensitive_engines_still_refuse_the_same_code_twice() -> None:
    with pytest.raises(RuleError, match="compatibility forms alike"):
        pm.Engine(
            [
                pm.Campaign(id="a", code="SPRING-A", effect=pm.amount_off(5)),
                pm.Campaign(id="b", code=" ＳＰＲＩＮＧ-A", effect=pm.amount_off(5)),
            ],
            codes_case_sensitive=True,
        )


def test_the_option_is_stored_and_old_definitions_read_as_insensitive() -> None:
    engine = cards(True)
    assert json.loads(engine.to_json())["codes_case_sensitive"] is True
    again = pm.Engine.from_json(engine.to_json())
    assert [a.campaign_id for a in again.evaluate(CART, codes=["SPRING-a"]).applied] == ["five"]
    # An engine without the option writes nothing new, so its IR is what it always was.
    plain = pm.Engine([pm.Campaign(id="five", code="X", effect=pm.amount_off(5))])
    assert "codes_case_sensitive" not in json.loads(plain.to_json())


def test_a_bool_is_required() -> None:
    with pytest.raises(RuleError, match="codes_case_sensitive"):
        pm.Engine([], codes_case_sensitive="yes")  # type: ignore[arg-type]


def test_normalize_gives_the_key_either_way() -> None:
    assert pm.codes.normalize(" Spring-A ", case_sensitive=True) == "Spring-A"
    assert pm.codes.normalize(" Spring-A ") == "spring-a"


def test_pool_codes_are_looked_up_by_the_store_key_and_matched_with_their_case() -> None:
    """Stores index pools case-insensitively; a case-sensitive engine compares the display
    form of the row it gets back."""
    store = pm.store("memory://")
    store.add_codes("cards", ["GIFT-Ab"])
    engine = pm.Engine(
        [pm.Campaign(id="cards", unique_codes=True, effect=pm.amount_off(5))],
        codes_case_sensitive=True,
        store=store,
    )
    assert engine.evaluate(CART, codes=["GIFT-Ab"]).discount == Decimal("5.00")
    wrong = engine.evaluate(CART, codes=["gift-ab"])
    assert wrong.discount == Decimal("0.00")
    assert [r.reason for r in wrong.rejected] == ["unknown_code"]
