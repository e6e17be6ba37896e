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
def generate_codes(
    pattern: str,
    count: int,
    charset: str | None,
    prefix: str,
    suffix: str,
    seed: int | None,
    existing: object | None,
    min_guess_bits: int,
    arrow: bool,
) -> list[str] | tuple[object, object]: ...
def normalize_code(code: str) -> str: ...
def check_codes(codes: object) -> None: ...

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
    def is_stateful(self) -> bool: ...
    def request(
        self,
        cart: object,
        customer: object = None,
        codes: object = None,
        now: object = None,
        context: object = None,
    ) -> Request: ...
    def request_json(self, text: str) -> Request: ...
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
    def record(self) -> tuple[str, str, list[tuple[str, str | None, str]]]: ...

class Request:
    """One validated input of a program, priced or decided on a snapshot (see
    promotor.redemption)."""

    def keys(self) -> list[str]: ...
    def now(self) -> int: ...
    def customer_id(self) -> str | None: ...
    def input_json(self) -> str: ...
    def fingerprint(self) -> str: ...
    def at(self, now: int) -> Request: ...
    def price(self, snapshot: dict[str, int] | None = None) -> Priced: ...
    def decide(
        self, snapshot: dict[str, int]
    ) -> tuple[Priced, list[tuple[str, int, int | None, int | None]]]: ...

def normalize_ir(ir_json: str) -> str: ...
