"""examples/checkout.py runs, and its requests do what its docstring says."""

import importlib.util
from pathlib import Path


def test_checkout_example() -> None:
    path = Path(__file__).parents[2] / "examples" / "checkout.py"
    spec = importlib.util.spec_from_file_location("checkout_example", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    log = module.main()
    assert log[1] == "checkout ann: charge 51.20"
    assert log[2] == "paid ann: 19.70 off (same redemption: True)"
    assert "per_customer: 1 of 1 used" in log[3]
    assert log[4] == "bob: total 51.20 (retry gets the same: True)"
    assert log[5] == "refund ann: rolled_back"
    assert log[6] == "black-friday used 1x, 12.80 EUR"
