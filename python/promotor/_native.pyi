"""Type stub of the compiled extension (rust/promotor-py)."""

from decimal import Decimal
from typing import Any, Self, final

__all__ = [
    "BEST_DEAL_BUDGET",
    "BEST_DEAL_LIMIT",
    "DEEP_ROOTS",
    "IR_VERSION",
    "MAX_DEPTH",
    "MAX_JSON_DEPTH",
    "REASONS",
    "Applied",
    "Priced",
    "Program",
    "Request",
    "__version__",
    "canonical_input",
    "canonical_input_json",
    "canonical_part",
    "check_codes",
    "check_definition",
    "check_input",
    "currencies",
    "currency_exponent",
    "did_you_mean",
    "error",
    "generate_codes",
    "normalize_code",
    "normalize_ir",
    "parse_expr",
    "pool_keys",
    "print_expr",
    "regex_search",
    "schema",
    "shared_orders",
    "simulate",
    "standing",
]

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
def simulate(
    programs: list[Program],
    orders: Any,
    lines: Any | None,
    money: str,
    timezone: str,
    states: list[dict[str, int]],
    keep_orders: bool,
    progress: Any | None,
    pools: list[tuple[str, str, str, str | None]] | None = None,
    final_counters: bool = False,
) -> list[tuple[tuple[Any | None, Any | None], dict[str, Any]]]: ...
def shared_orders(programs: list[Program], orders: Any, lines: Any | None) -> list[bool]: ...
def standing(
    program: Program, counters: dict[str, int], at: int
) -> tuple[list[tuple[int, int, int, list[tuple[str | None, int]]]], tuple[int, int]]: ...
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
def normalize_code(code: str, case_sensitive: bool = False) -> str: ...
def check_codes(codes: object) -> None: ...
def pool_keys(
    codes: object, loc: str = "codes", offset: int = 0
) -> tuple[list[str], list[tuple[int, int]]]: ...

@final
class Program:
    def __new__(
        cls, engine_ir_json: str, sources: list[tuple[tuple[Any, ...], str]] | None = None
    ) -> Self: ...
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
    def is_pooled(self) -> bool: ...
    def request(
        self,
        cart: object,
        customer: object = None,
        codes: object = None,
        now: object = None,
        context: object = None,
    ) -> Request: ...
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
        extra_columns: str,
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
    shipping_allocations: dict[int, Decimal]
    gifts: list[Any]
    limited_by: str | None
    parts: list[Any]
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
        parts: list[Any] | None = None,
        shipping_allocations: dict[int, Decimal] | None = None,
    ) -> Self: ...
    def _asdict(self) -> dict[str, Any]: ...

@final
class Priced:
    def totals(self) -> tuple[str, Decimal, Decimal, Decimal, Decimal, Decimal]: ...
    def amount(self, k: int) -> Decimal: ...
    def lines(
        self,
    ) -> list[tuple[int, str | None, int, Decimal, Decimal, Decimal, Decimal]]: ...
    def applied(self) -> list[Applied]: ...
    def taxes(self) -> dict[str, Any] | None: ...
    def shipping_methods(
        self,
    ) -> list[tuple[int, str | None, str | None, str | None, Decimal, Decimal, Decimal]]: ...
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
