"""Definition files: the people form and the IR read from YAML and JSON, written back to the
same engine, every problem located in the file, and the published JSON Schema agreeing with
the reader on the files people write (the examples and every definition shown in docs/)."""

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

import promotor as pm
from promotor.definitions import dumps, file_schema, loads
from promotor.definitions._yaml import compose

from .strategies import engines

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples" / "definitions").glob("*.yaml"))
CART = {
    "items": [
        {"sku": "BEANS", "price": "12.50", "quantity": 2, "category": "coffee"},
        {"sku": "MUG", "price": "9.99", "quantity": 1, "category": "mugs"},
    ],
    "shipping": "4.99",
}

PEOPLE = """
currency: EUR
rounding: half_up
stacking: {mode: best_deal, max_discount: 30}
campaigns:
  - id: coffee
    name: Coffee lovers
    rules: cart.items.filter(item, item.category == "coffee").sum(item, item.quantity) >= 2
    effect:
      type: percent_off
      percent: 12.5
      on: {items: item.category == "coffee", cheapest: 1}
      cap: 50
  - id: spend
    tiers:
      - rules: cart.subtotal >= 20
        effect: {type: amount_off, amount: "min(cart.subtotal * 0.1, 5)"}
      - {rules: cart.subtotal >= 200, effect: {type: percent_off, percent: 10}}
  - id: ship
    code: SHIP
    effect: free_shipping
    starts_at: 2026-11-27T00:00:00Z
    schedule: {weekdays: [5, 6], hours: [9, 17], timezone: Europe/Warsaw}
    metadata: {owner: marketing, on: yes}
"""


def builder_engine() -> pm.Engine:
    from promotor import cart, item

    coffee = item.category == "coffee"
    return pm.Engine(
        [
            pm.Campaign(
                id="coffee",
                name="Coffee lovers",
                rules=cart.items.filter(coffee).sum(item.quantity) >= 2,
                effect=pm.percent_off(Decimal("12.5"), on=pm.items(coffee, cheapest=1), cap=50),
            ),
            pm.Campaign(
                id="spend",
                tiers=[
                    pm.Tier(
                        rules=cart.subtotal >= 20,
                        effect=pm.amount_off(pm.least(cart.subtotal * Decimal("0.1"), 5)),
                    ),
                    pm.Tier(rules=cart.subtotal >= 200, effect=pm.percent_off(10)),
                ],
            ),
            pm.Campaign(
                id="ship",
                code="SHIP",
                effect=pm.free_shipping(),
                starts_at="2026-11-27T00:00:00Z",
                schedule=pm.Schedule(weekdays=[5, 6], hours=(9, 17), timezone="Europe/Warsaw"),
                metadata={"owner": "marketing", "on": "yes"},
            ),
        ],
        currency="EUR",
        rounding="half_up",
        stacking=pm.Stacking(mode="best_deal", max_discount=30),
    )


def test_the_people_form_defines_the_same_engine_as_the_builder() -> None:
    assert loads(PEOPLE).to_ir() == builder_engine().to_ir()


def test_yaml_reads_by_yaml_1_2_so_on_and_yes_stay_text() -> None:
    engine = loads(PEOPLE)
    assert engine.to_ir()["campaigns"][2]["metadata"] == {"owner": "marketing", "on": "yes"}


def test_numbers_are_exact_decimals_from_their_text() -> None:
    engine = loads(
        "campaigns: [{id: a, effect: {type: amount_off, amount: 0.10},"
        " rules: 'cart.subtotal >= 19.99'}]"
    )
    campaign = engine.to_ir()["campaigns"][0]
    assert campaign["effect"]["amount"] == {"type": "num", "value": "0.10"}
    assert campaign["rules"]["right"] == {"type": "num", "value": "19.99"}
    as_json = loads(
        '{"campaigns": [{"id": "a", "effect": {"type": "amount_off", "amount": 0.10}}]}', "json"
    )
    assert as_json.to_ir()["campaigns"][0]["effect"]["amount"]["value"] == "0.10"


def test_targets_by_name_by_short_form_and_by_call() -> None:
    forms = [
        "on: shipping",
        "on: {type: shipping}",
        "on: order",
        "on: items",
        "on: {items: null, cheapest: 1}",
        "on: {type: items, pred: item.price > 5, max_quantity: 1}",
    ]
    expected = [
        {"type": "shipping"},
        {"type": "shipping"},
        {"type": "order"},
        {"type": "items"},
        {"type": "items", "cheapest": 1},
        {"type": "items", "max_quantity": 1},
    ]
    for form, want in zip(forms, expected, strict=True):
        text = (
            "campaigns:\n  - id: a\n    effect:\n      type: percent_off\n      percent: 5\n"
            f"      {form}\n"
        )
        on = loads(text).to_ir()["campaigns"][0]["effect"]["on"]
        assert {k: v for k, v in on.items() if k != "pred"} == want, form


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_writing_then_reading_gives_the_same_engine(fmt: str) -> None:
    engine = builder_engine()
    text = dumps(engine, fmt)  # type: ignore[arg-type]
    assert "version" not in text  # the people form, not the IR
    assert loads(text, fmt).to_ir() == engine.to_ir()  # type: ignore[arg-type]


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_to_file_and_from_file_by_suffix(tmp_path: Path, suffix: str) -> None:
    engine = builder_engine()
    path = tmp_path / f"promotions{suffix}"
    engine.to_file(path)
    again = pm.Engine.from_file(path)
    assert again.to_ir() == engine.to_ir()
    now = datetime(2026, 11, 28, 10, tzinfo=UTC)  # a Saturday, inside the schedule
    assert again.evaluate(CART, codes=["ship"], now=now) == engine.evaluate(
        CART, codes=["ship"], now=now
    )
    if suffix == ".json":
        json.loads(path.read_text())  # plain JSON


def test_the_ir_of_to_json_is_read_too(tmp_path: Path) -> None:
    engine = builder_engine()
    path = tmp_path / "ir.json"
    path.write_text(engine.to_json(indent=2))
    assert pm.Engine.from_file(path).to_ir() == engine.to_ir()
    yaml_path = tmp_path / "ir.yaml"
    yaml_path.write_text(engine.to_json(indent=2))  # JSON is YAML
    assert pm.Engine.from_file(yaml_path).to_ir() == engine.to_ir()


def test_an_unknown_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "promotions.toml"
    path.write_text("")
    with pytest.raises(ValueError, match=r"\.yaml, \.yml or \.json"):
        pm.Engine.from_file(path)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(engines())
def test_property_any_engine_round_trips_through_the_people_form(engine_ir: Any) -> None:
    try:
        engine = pm.Engine.from_ir(engine_ir)
    except pm.RuleError:
        return
    for fmt in ("yaml", "json"):
        text = dumps(engine, fmt)  # type: ignore[arg-type]
        assert "version" not in text, text
        assert loads(text, fmt).to_ir() == engine.to_ir()  # type: ignore[arg-type]


# -- errors -------------------------------------------------------------------------------------

BAD = """\
campaigns:
  - id: coffee
    rules: cart.subtotal >= >= 5
    effect: {type: percent_of, percent: 10}
  - id: tiers
    prority: 1
    rules: |
      cart.subtotal >= 5 &&
        cart.subtotal >= >= 1
    effect: {type: percent_off, on: everything}
curency: USD
"""


def test_every_problem_is_reported_with_file_line_column_and_path() -> None:
    with pytest.raises(pm.RuleError) as info:
        loads(BAD, file="shop.yaml")
    got = [(e["loc"], e["line"], e["column"], e["file"]) for e in info.value.errors()]
    assert got == [
        (("campaigns", 0, "rules"), 3, 29, "shop.yaml"),  # the second >= of the rule
        (("campaigns", 0, "effect", "type"), 4, 20, "shop.yaml"),
        (("campaigns", 1, "prority"), 6, 5, "shop.yaml"),  # the key
        (("campaigns", 1, "rules"), 9, 26, "shop.yaml"),  # inside the literal block
        (("campaigns", 1, "effect", "on"), 10, 37, "shop.yaml"),
        (("campaigns", 1, "effect", "percent"), 10, 13, "shop.yaml"),
        (("curency",), 11, 1, "shop.yaml"),
    ]
    text = str(info.value)
    assert (
        "shop.yaml:4:20: campaigns.0.effect.type: unknown type 'percent_of'; "
        "did you mean 'percent_off'?"
    ) in text
    assert "did you mean 'priority'?" in text
    assert "did you mean 'currency'?" in text
    assert "expected one of: items, order, shipping" in text


def test_compile_errors_point_at_the_rule() -> None:
    text = 'campaigns:\n  - id: a\n    rules: cart.subtotal >= "x"\n    effect: free_shipping\n'
    with pytest.raises(pm.RuleError) as info:
        loads(text, file="a.yaml")
    [error] = info.value.errors()
    # Located at the node inside the rule text (the `>=`), in the file's lines and columns.
    assert (error["loc"], error["line"], error["column"]) == (("campaigns", 0, "rules"), 3, 26)
    assert error["type"] == "type_mismatch"
    assert "`>=` needs two values of one ordered type" in error["msg"]


def test_json_errors_are_located_too() -> None:
    text = (
        '{"campaigns": [\n  {"id": "a", "rules": "cart.subtotal >= >= 5",'
        ' "effect": "free_shipping"}]}'
    )
    with pytest.raises(pm.RuleError) as info:
        loads(text, "json", file="a.json")
    [error] = info.value.errors()
    assert (error["line"], error["column"]) == (2, 42)
    with pytest.raises(pm.RuleError, match=r"a.json:1:16: invalid JSON"):
        loads('{"campaigns": [}', "json", file="a.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("campaigns:\n  - {id: a, id: b}\n", "x.yaml:2:13: campaigns.0.id: duplicate key 'id'"),
        ("campaigns: [\n", "x.yaml:2:1: invalid YAML"),
        ("", "x.yaml: the file is empty"),
        ("- 1\n", "x.yaml:1:1: expected a mapping at the top"),
        ("currency: USD\n", "x.yaml:1:1: campaigns: a definition needs 'campaigns'"),
        (
            "campaigns: [{id: a, effect: percent_off}]",
            "x.yaml:1:29: campaigns.0.effect: percent_off needs 'percent': "
            "write {type: percent_off, percent: ...}",
        ),
    ],
)
def test_yaml_problems(text: str, message: str) -> None:
    with pytest.raises(pm.RuleError) as info:
        loads(text, file="x.yaml")
    assert message in str(info.value)


# -- the JSON Schema ----------------------------------------------------------------------------


def validator() -> jsonschema.Draft202012Validator:
    schema = file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def doc_definitions() -> list[tuple[str, str]]:
    """Every YAML and JSON block in docs/ that is a definition (it has campaigns)."""
    found = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        for lang, block in re.findall(r"```(yaml|json)\n(.*?)```", page.read_text(), re.S):
            if re.search(r'^"?campaigns"?:|"campaigns":', block, re.M):
                found.append((f"{page.name}: {block[:40]!r}", lang + "\n" + block))
    return found


def test_the_docs_show_definitions() -> None:
    assert len(doc_definitions()) >= 3


@pytest.mark.parametrize(
    "source",
    [str(p.relative_to(ROOT)) for p in EXAMPLES] + [name for name, _ in doc_definitions()],
)
def test_examples_and_doc_definitions_validate_against_the_schema_and_load(source: str) -> None:
    blocks = dict(doc_definitions())
    if source in blocks:
        lang, text = blocks[source].split("\n", 1)
    else:
        lang, text = "yaml", (ROOT / source).read_text()
    data = compose(text)[0] if lang == "yaml" else json.loads(text, parse_float=Decimal)
    errors = [e.message for e in validator().iter_errors(data)]
    assert errors == []
    loads(text, lang)  # type: ignore[arg-type]


def test_the_schema_accepts_the_ir_and_refuses_mistakes() -> None:
    v = validator()
    assert list(v.iter_errors(json.loads(builder_engine().to_json()))) == []
    assert list(v.iter_errors(compose(PEOPLE)[0])) == []
    for bad in [
        "campaigns: [{id: a, effect: {type: percent_of, percent: 1}}]",
        "campaigns: [{id: a, effect: {type: percent_off}}]",
        "campaigns: [{id: a, prority: 1, effect: free_shipping}]",
        "campaigns: [{id: a, effect: {type: percent_off, percent: 1, on: everything}}]",
        "curency: USD\ncampaigns: []",
    ]:
        assert list(v.iter_errors(compose(bad)[0])), bad


def test_promotor_json_schema_of_the_ir_is_inside() -> None:
    schema = file_schema()
    assert schema["then"] == {"$ref": "#/$defs/ir"}
    assert "ir_EngineDef" not in schema["$defs"] or schema["$defs"]["ir"]


PROGRAMMES = """
campaigns: []
programs:
  - type: loyalty
    id: points
    earn:
      - {points: 1, per: 1}
      - {type: earn, multiplier: 2, schedule: {weekdays: [6, 7]}}
    tiers:
      - {type: loyalty_tier, name: silver, points: 500}
    rewards:
      - {id: five-off, cost: 500, effect: {type: amount_off, amount: 5}}
  - type: referral
    id: friends
    friend_effect: {type: percent_off, percent: 15}
    conversion: cart.subtotal >= 30
    rewards:
      - {type: referral_reward, referrals: 1, points: 100, program: points}
      - {referrals: 3, effect: {type: amount_off, amount: 10}}
"""


def test_programmes_read_as_the_builders_make_them() -> None:
    points = pm.Loyalty(
        id="points",
        earn=[
            pm.earn(points=1, per=1),
            pm.earn(multiplier=2, schedule=pm.Schedule(weekdays=[6, 7])),
        ],
        tiers=[pm.LoyaltyTier("silver", points=500)],
        rewards=[pm.Reward("five-off", cost=500, effect=pm.amount_off(5))],
    )
    friends = pm.Referral(
        id="friends",
        friend_effect=pm.percent_off(15),
        conversion=pm.cart.subtotal >= 30,
        rewards=[
            pm.referral_reward(1, 100, program="points"),
            pm.referral_reward(3, pm.amount_off(10)),
        ],
    )
    built = pm.Engine([], programs=[points, friends])
    assert loads(PROGRAMMES, "yaml").to_ir() == built.to_ir()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_programmes_round_trip_and_are_written_plainly(fmt: str) -> None:
    engine = loads(PROGRAMMES, "yaml")
    text = dumps(engine, fmt)  # type: ignore[arg-type]
    assert loads(text, fmt).to_ir() == engine.to_ir()  # type: ignore[arg-type]
    if fmt == "yaml":
        # Defaults left out, numbers as numbers, parts as their fields.
        for left_out in ("per:", "timezone", "limits", "type: earn"):
            assert left_out not in text
        assert "points: 500" in text


def test_the_schema_takes_programmes() -> None:
    errors = [e.message for e in validator().iter_errors(compose(PROGRAMMES)[0])]
    assert errors == []
    wrong = compose(PROGRAMMES.replace("{points: 1, per: 1}", "{points: 1, pre: 1}"))[0]
    assert list(validator().iter_errors(wrong))


def test_a_mistake_in_a_programme_is_located_in_the_file() -> None:
    text = PROGRAMMES.replace("{points: 1, per: 1}", "{points: 1, pre: 1}")
    with pytest.raises(pm.RuleError) as caught:
        loads(text, "yaml", file="shop.yaml")
    (error,) = caught.value.errors()
    assert error["loc"] == ("programs", 0, "earn", 0, "pre")
    assert (error["line"], error["column"]) == (7, 21)
    assert str(caught.value).startswith("shop.yaml:7:21: programs.0.earn.0.pre:")


@pytest.mark.parametrize(
    "reward", [{"amount": Decimal("2.00")}, {"fixed_price": Decimal("1.00")}], ids=str
)
def test_buy_x_get_y_with_a_fixed_reward_is_written_in_the_people_form(reward: Any) -> None:
    # The IR keeps the implied 100 percent beside amount/fixed_price; the people form must
    # not write it back, since the builder refuses a percent given with them.
    engine = pm.Engine(
        [pm.Campaign(id="b2", effect=pm.buy_x_get_y(None, 2, **reward))],
        codes_case_sensitive=True,
    )
    for fmt in ("yaml", "json"):
        text = dumps(engine, fmt)
        assert "version" not in text, text
        assert "percent" not in text, text
        assert loads(text, fmt).to_ir() == engine.to_ir()
