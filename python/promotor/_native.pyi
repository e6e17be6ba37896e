"""Type stub of the compiled extension (rust/promotor-py)."""

from decimal import Decimal
from typing import Any

__version__: str
IR_VERSION: int

def parse_expr(text: str) -> str: ...
def print_expr(ir_json: str) -> str: ...
def regex_search(pattern: str, text: str) -> bool | None: ...
def currency_exponent(code: str) -> int | None: ...
def currencies() -> list[tuple[str, int]]: ...
def canonical_input(
    cart: object,
    customer: object = None,
    codes: object = None,
    now: object = None,
    context: object = None,
) -> dict[str, Any]: ...
def canonical_input_json(text: str) -> dict[str, Any]: ...
def canonical_part(kind: str, data: object) -> dict[str, Any]: ...
def check_input(
    cart: object,
    customer: object = None,
    codes: object = None,
    now: object = None,
    context: object = None,
) -> None: ...

class Program:
    def __init__(self, engine_ir_json: str) -> None: ...
    def evaluate(self, input: object) -> dict[str, Any]: ...
    def price(
        self,
        cart: object,
        customer: object = None,
        codes: object = None,
        now: object = None,
        context: object = None,
    ) -> Priced: ...
    def ir_json(self) -> str: ...
    def evaluate_batch(
        self,
        orders: object,
        lines: object | None,
        detail: bool,
        threads: int | None,
        money: str,
        now: int,
        extra_columns: str,
    ) -> tuple[object, object | None]: ...

class Applied:
    """A campaign that applied (see promotor.result)."""

    campaign_id: str
    code: str | None
    tier: int | None
    amount: Decimal
    shipping_amount: Decimal
    allocations: dict[int, Decimal]
    gifts: list[Any]
    def __init__(
        self,
        campaign_id: str,
        code: str | None,
        tier: int | None,
        amount: Decimal,
        shipping_amount: Decimal,
        allocations: dict[int, Decimal],
        gifts: list[Any] | None = None,
    ) -> None: ...
    def _asdict(self) -> dict[str, Any]: ...

class Priced:
    def totals(self) -> tuple[str, Decimal, Decimal, Decimal, Decimal, Decimal]: ...
    def lines(
        self,
    ) -> list[tuple[int, str | None, int, Decimal, Decimal, Decimal, Decimal]]: ...
    def applied(self) -> list[Applied]: ...
    def explained(self) -> dict[str, Any]: ...

def normalize_ir(ir_json: str) -> str: ...
