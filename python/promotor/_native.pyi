"""Type stub of the compiled extension (rust/promotor-py)."""

from decimal import Decimal
from typing import Any

__version__: str
IR_VERSION: int
REASONS: list[str]
MAX_DEPTH: int
MAX_JSON_DEPTH: int
DEEP_ROOTS: list[str]
BEST_DEAL_LIMIT: int
BEST_DEAL_BUDGET: int

def parse_expr(text: str) -> str: ...
def check_definition(part: str, ir_json: str) -> None: ...
def schema() -> list[tuple[str, str, str, str]]: ...
def did_you_mean(name: str, candidates: list[str]) -> str | None: ...
def error(variant: str, ctx: dict[str, Any]) -> dict[str, Any] | None: ...
def print_expr(ir_json: str) -> str: ...
def regex_search(pattern: str, text: str) -> bool | None: ...
def currency_exponent(code: str) -> int | None: ...
def currencies() -> list[tuple[str, int]]: ...

class Program:
    def __init__(
        self, engine_ir_json: str, sources: list[tuple[tuple[Any, ...], str]] | None = None
    ) -> None: ...
    def evaluate(self, canonical_input: dict[str, Any]) -> dict[str, Any]: ...
    def price(self, canonical_input: dict[str, Any]) -> Priced: ...
    def price_fast(
        self, cart: object, customer: object, codes: object, now: object, context: object
    ) -> Priced | None: ...
    @staticmethod
    def _fast_read_agrees(
        canonical_input: dict[str, Any] | None,
        cart: object,
        customer: object,
        codes: object,
        now: object,
        context: object,
    ) -> bool | None: ...
    def ir_json(self) -> str: ...
    def evaluate_batch(
        self,
        orders: object,
        lines: object | None,
        detail: bool,
        threads: int | None,
        money: str,
        now: int,
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
    limited_by: str | None
    def __init__(
        self,
        campaign_id: str,
        code: str | None,
        tier: int | None,
        amount: Decimal,
        shipping_amount: Decimal,
        allocations: dict[int, Decimal],
        gifts: list[Any] | None = None,
        limited_by: str | None = None,
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
