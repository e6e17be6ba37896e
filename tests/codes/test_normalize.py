"""One normalisation, in the core, wherever a code is read: NFKC, trimmed, Unicode case folding;
zero-width and bidi control characters refused with their position. Evaluate matches codes
through it in both evaluators."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import promotor as pm
from promotor import _native
from promotor.errors import InputError, RuleError
from promotor.inputs import canonical_input
from promotor.testing import reference

INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width
    "\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069",  # bidi controls
]  # fmt: skip
NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
CART = {"items": [{"sku": "A1", "price": "60.00", "quantity": 1}]}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("STRASSE", "straße"),
        ("E\u0301TE\u0301", "été"),  # NFD upper case, NFC lower case
        ("ＢＬＣＫＦＲＤＹ", "blckfrdy"),  # full width
        ("\u3000BLCKFRDY\u00a0", "blckfrdy"),  # ideographic and no-break spaces trimmed
        ("ﬁve", "FIVE"),  # a ligature
        ("ΣΊΣΥΦΟΣ", "σίσυφος"),  # final sigma folds like any sigma
        ("Ⅻ", "xii"),  # a Roman numeral
    ],
)
def test_codes_that_read_the_same_have_one_key(a: str, b: str) -> None:
    assert pm.codes.normalize(a) == pm.codes.normalize(b)


def test_distinct_codes_keep_distinct_keys() -> None:
    keys = {pm.codes.normalize(c) for c in ["BF-10", "BF-1O", "bf10", "BF 10", "ÉTÉ", "ETE"]}
    assert len(keys) == 6


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters_are_refused_with_their_position(char: str) -> None:
    with pytest.raises(InputError) as info:
        pm.codes.normalize(f"BF-1{char}0")
    [error] = info.value.errors()
    assert error["type"] == "invisible_character"
    assert error["ctx"] == {"position": 4, "character": f"U+{ord(char):04X}"}
    assert f"U+{ord(char):04X} ({unicodedata.name(char).lower()}) at position 4" in error["msg"]


def test_a_paste_with_trailing_zero_width_space_is_refused_not_cleaned() -> None:
    with pytest.raises(InputError, match="position 8"):
        pm.codes.normalize(" bf-12ab\u200b ")


@given(st.text(max_size=20))
def test_property_the_key_is_a_fixed_point(text: str) -> None:
    if any(c in text for c in INVISIBLE):
        with pytest.raises(InputError):
            pm.codes.normalize(text)
        return
    key = pm.codes.normalize(text)
    assert pm.codes.normalize(key) == key
    assert pm.codes.normalize(text.upper()) == pm.codes.normalize(text.lower()) or (
        # Upper- and lower-casing are not inverse for every character (dotless i, ...).
        text.upper().lower() != text.lower()
    )


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=20))
def test_property_ascii_keys_are_trimmed_lower_case(text: str) -> None:
    assert pm.codes.normalize(text) == text.strip(" \t\n\r\x0b\x0c").lower()


# -- evaluate reads codes through it, in both evaluators --------------------------------------


def engine() -> pm.Engine:
    return pm.Engine(
        [
            pm.Campaign(id="bf", code="BLCKFRDY", effect=pm.amount_off(10)),
            pm.Campaign(id="ete", codes=["été-2026", "straße"], effect=pm.percent_off(5)),
        ]
    )


def both(codes: list[str]) -> tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]:
    """(campaign, code) applied by the Rust evaluator and by the reference."""
    e = engine()
    rust = [(a.campaign_id, a.code) for a in e.evaluate(CART, codes=codes, now=NOW).applied]
    canonical = canonical_input(CART, codes=codes, now=NOW)
    ref = reference.evaluate(e.to_ir(), canonical)
    return rust, [(a["campaign_id"], a["code"]) for a in ref["applied"]]


@pytest.mark.parametrize(
    ("given_codes", "applied"),
    [
        (["blckfrdy"], [("bf", "BLCKFRDY")]),
        (["ＢＬＣＫＦＲＤＹ"], [("bf", "BLCKFRDY")]),
        (["E\u0301TE\u0301-2026"], [("ete", "été-2026")]),
        (["STRASSE"], [("ete", "straße")]),
        ([" Blckfrdy ", "ÉTÉ-2026"], [("bf", "BLCKFRDY"), ("ete", "été-2026")]),
        (["BLCKFRDYY"], []),
    ],
)
def test_evaluate_matches_codes_by_key_in_both_evaluators(
    given_codes: list[str], applied: list[tuple[str, str]]
) -> None:
    rust, ref = both(given_codes)
    assert rust == applied
    assert ref == applied


def test_an_unknown_code_is_reported_as_given() -> None:
    result = engine().evaluate(CART, codes=["ＢＦ１０"], now=NOW)
    assert [(r.reason, r.code) for r in result.rejected] == [("unknown_code", "ＢＦ１０")]


@pytest.mark.parametrize("codes", [["BLCKFRDY\u200b"], ("ok", "BLCK\u202eFRDY")])
def test_evaluate_refuses_invisible_characters_with_loc_and_position(codes: Any) -> None:
    with pytest.raises(InputError) as info:
        engine().evaluate(CART, codes=codes, now=NOW)
    [error] = info.value.errors()
    index = len(codes) - 1
    assert error["loc"] == ("codes", index)
    assert error["ctx"]["position"] == codes[index].index(
        next(c for c in codes[index] if c in INVISIBLE)
    )


def test_both_evaluators_refuse_an_invisible_character_in_a_canonical_input() -> None:
    e = engine()
    canonical = canonical_input(CART, codes=["x"], now=NOW)
    canonical["codes"] = ["BLCKFRDY\u2060"]
    program = _native.Program(json.dumps(e.to_ir()))
    with pytest.raises(InputError) as info:
        program.evaluate(canonical)
    assert info.value.errors()[0]["loc"] == ("codes", 0)
    with pytest.raises(InputError):
        reference.evaluate(e.to_ir(), canonical)


def test_batch_refuses_invisible_characters() -> None:
    orders = pa.table({"order_id": [1, 2], "codes": [["blckfrdy"], ["ok", "BF\u200d"]]})
    lines = pa.table({"order_id": [1, 2], "price": [60.0, 60.0], "quantity": [1, 1]})
    with pytest.raises(InputError) as info:
        engine().evaluate_batch(orders, lines)
    [error] = info.value.errors()
    assert error["loc"] == ("orders", 1, "codes", 1)
    assert "U+200D (zero width joiner) at position 2" in error["msg"]


def test_compile_refuses_two_campaign_codes_with_one_key() -> None:
    with pytest.raises(RuleError) as info:
        pm.Engine(
            [
                pm.Campaign(id="a", code="STRASSE", effect=pm.amount_off(1)),
                pm.Campaign(id="b", codes=["x", "straße"], effect=pm.amount_off(1)),
            ]
        )
    [error] = info.value.errors()
    assert error["loc"] == ("campaigns", 1, "codes", 1)
    assert "also in campaign 'a'" in error["msg"]
    # The builder checks a campaign as it is built; a definition read from JSON, as a whole.
    with pytest.raises(RuleError) as info:
        pm.Campaign(id="a", code="BF\u200b10", effect=pm.amount_off(1))
    [error] = info.value.errors()
    assert (error["type"], error["loc"]) == ("invisible_character", ("code",))
    assert "U+200B (zero width space) at position 2" in error["msg"]
    definition = json.loads(pm.Engine([pm.Campaign(id="a", effect=pm.amount_off(1))]).to_json())
    definition["campaigns"][0]["code"] = "BF\u200b10"
    with pytest.raises(RuleError) as info:
        pm.Engine.from_json(json.dumps(definition))
    [error] = info.value.errors()
    assert (error["type"], error["loc"]) == ("invisible_character", ("campaigns", 0, "code"))
