"""Type stub of the compiled extension (rust/promotor-py)."""

from decimal import Decimal
from typing import Any, Self, final

__all__ = [
    "IR_VERSION",
    "Applied",
    "Priced",
    "Program",
    "Request",
    "__version__",
    "check_codes",
    "currencies",
    "currency_exponent",
    "generate_codes",
    "normalize_code",
    "normalize_ir",
    "parse_expr",
    "pool_keys",
    "print_expr",
    "regex_search",
    "shared_orders",
    "simulate",
]

__version__: str
IR_VERSION: int

def parse_expr(text: str) -> str: ...
def print_expr(ir_json: str) -> str: ...
def regex_search(pattern: str, text: str) -> bool | None: ...
def currency_exponent(code: str) -> int | None: ...
def currencies() -> list[tuple[str, int]]: ...
def simulate(
    programs: list[Program],
    orders: Any,
    lines: Any | None,
    money: str,
    timezone: str,
    states: list[dict[str, int]],
    keep_orders: bool,
    progress: Any | None,
) -> list[tuple[tuple[Any | None, Any | None], dict[str, Any]]]: ...
def shared_orders(programs: list[Program], orders: Any, lines: Any | None) -> list[bool]: ...
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
def pool_keys(
    codes: object, loc: str = "codes", offset: int = 0
) -> tuple[list[str], list[tuple[int, int]]]: ...

@final
class Program:
    def __new__(cls, engine_ir_json: str) -> Self: ...
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
    def is_stateful(self) -> bool: ...
    def is_pooled(self) -> bool: ...
    def request_fast(
        self, cart: object, customer: object, codes: object, now: object, context: object
    ) -> Request | None: ...
    def request(self, canonical_input: dict[str, Any]) -> Request: ...
    def request_json(self, text: str) -> Request: ...
    def has_programs(self) -> bool: ...
    def program_reads(self, op: str) -> tuple[list[str], list[str]]: ...
    def program_more(self, op: str, snapshot: dict[str, int]) -> list[str]: ...
    def program_op(self, op: str, snapshot: dict[str, int]) -> str: ...
    def evaluate_batch(
        self,
        orders: object,
        lines: object | None,
        detail: bool,
        threads: int | None,
        money: str,
        now: int,
    ) -> tuple[object, object | None]: ...

@final
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
    def __new__(
        cls,
        campaign_id: str,
        code: str | None,
        tier: int | None,
        amount: Decimal,
        shipping_amount: Decimal,
        allocations: dict[int, Decimal],
        gifts: list[Any] | None = None,
        limited_by: str | None = None,
    ) -> Self: ...
    def _asdict(self) -> dict[str, Any]: ...

@final
class Priced:
    def totals(self) -> tuple[str, Decimal, Decimal, Decimal, Decimal, Decimal]: ...
    def lines(
        self,
    ) -> list[tuple[int, str | None, int, Decimal, Decimal, Decimal, Decimal]]: ...
    def applied(self) -> list[Applied]: ...
    def explained(self) -> dict[str, Any]: ...
    def record(self) -> tuple[str, str, list[tuple[str, str | None, str]]]: ...
    def payments(self) -> tuple[list[tuple[str, str, Decimal, int | None]], Decimal]: ...

@final
class Request:
    """One validated input of a program, priced or decided on a snapshot (see
    promotor.redemption)."""

    def keys(self, pools: dict[str, tuple[str, str, str | None]] | None = None) -> list[str]: ...
    def pool_lookups(self) -> list[str]: ...
    def wallet_keys(self, pools: dict[str, tuple[str, str, str | None]]) -> list[str]: ...
    def wallet(
        self,
        snapshot: dict[str, int],
        pools: dict[str, tuple[str, str, str | None]],
        priced: bool,
    ) -> list[tuple[int, str, str, int | None, Decimal | None]]: ...
    def families(self) -> list[str]: ...
    def checkout_families(self, pay: str) -> list[str]: ...
    def checkout_more(self, pay: str, snapshot: dict[str, int]) -> list[str]: ...
    def checkout(
        self,
        snapshot: dict[str, int],
        pay: str,
        pools: dict[str, tuple[str, str, str | None]] | None = None,
    ) -> tuple[Priced, list[tuple[str, int, int | None, int | None]], str]: ...
    def operate(self, op: str, snapshot: dict[str, int]) -> str: ...
    def now(self) -> int: ...
    def customer_id(self) -> str | None: ...
    def input_json(self) -> str: ...
    def fingerprint(self) -> str: ...
    def at(self, now: int) -> Request: ...
    def price(
        self,
        snapshot: dict[str, int] | None = None,
        pools: dict[str, tuple[str, str, str | None]] | None = None,
    ) -> Priced: ...
    def decide(
        self,
        snapshot: dict[str, int],
        pools: dict[str, tuple[str, str, str | None]] | None = None,
    ) -> tuple[Priced, list[tuple[str, int, int | None, int | None]]]: ...

def normalize_ir(ir_json: str) -> str: ...
