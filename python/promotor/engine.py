"""The engine: campaigns compiled once into a native program, evaluated many times."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import ValidationError

from . import _native, ir
from .campaign import Campaign, RuleBounds, Stacking
from .describe import describe_effect, describe_effects, describe_rule
from .errors import RuleError, detail
from .expr import Expr
from .pricing import ItemPrice, item_price
from .programs import Loyalty, Referral
from .qualify import Qualifications, qualifications
from .result import CampaignInfo, Result
from .stores import Store  # at run time: definition files read Engine's annotations

if TYPE_CHECKING:
    from .pools import Wallet
    from .programs import Balance, GiftCard, ImportReport, ReferralProgress
    from .redemption import Redemption, Reservation

__all__ = ["Engine", "json_schema"]

# Creates an engine's default memory store once, whichever thread asks first.
_DEFAULT_STORE_LOCK = threading.Lock()
Rounding = Literal["half_even", "half_up", "down"]


class Engine:
    """Campaigns compiled into a Rust evaluator.

    Compile once (at start-up, or when the campaigns change), then call :meth:`evaluate` on
    every cart change. An engine is immutable and thread-safe, and it pickles (by its IR), so it
    travels to worker processes.

    >>> import promotor as pm
    >>> engine = pm.Engine([pm.Campaign(id="ten", rules="cart.subtotal >= 50",
    ...                                 effect=pm.percent_off(10))])
    >>> result = engine.evaluate({"items": [{"sku": "A", "price": "30.00", "quantity": 2}]})
    >>> result.discount, result.total
    (Decimal('6.00'), Decimal('54.00'))
    """

    __slots__ = (
        "_bounds",
        "_campaigns",
        "_currency",
        "_info",
        "_ir",
        "_program",
        "_programs",
        "_rounding",
        "_stacking",
        "_stateful",
        "_store",
        "_version",
    )

    def __init__(
        self,
        campaigns: Iterable[Campaign | Mapping[str, Any]],
        currency: str = "USD",
        rounding: Rounding = "half_even",
        stacking: Stacking | Mapping[str, Any] | None = None,
        bounds: RuleBounds | Mapping[str, Any] | None = None,
        store: Store | str | None = None,
        programs: Iterable[Loyalty | Referral | Mapping[str, Any]] = (),
        codes_case_sensitive: bool = False,
    ) -> None:
        if isinstance(campaigns, str | bytes | Mapping) or not isinstance(campaigns, Iterable):
            raise _mismatch("campaigns", "a list of campaigns", campaigns)
        self._campaigns = tuple(_campaign(c, i) for i, c in enumerate(campaigns))
        if not isinstance(currency, str):
            raise _mismatch("currency", "a currency code", currency)
        self._currency = currency.strip().upper()
        if rounding not in ("half_even", "half_up", "down"):
            choices = ["half_even", "half_up", "down"]
            raise RuleError(
                [
                    detail(
                        "unknown_choice",
                        ("rounding",),
                        got=str(rounding),
                        expected=", ".join(f"'{c}'" for c in choices),
                        suggestion=_native.did_you_mean(str(rounding), choices),
                    )
                ]
            )
        self._rounding: Rounding = rounding
        self._stacking = _setting(Stacking, stacking, "stacking")
        self._bounds = _setting(RuleBounds, bounds, "bounds")
        self._ir: dict[str, Any] = {
            "version": ir.IR_VERSION,
            "currency": self._currency,
            "rounding": self._rounding,
            "stacking": self._stacking.model_dump(mode="json"),
            "bounds": self._bounds.model_dump(mode="json"),
            "campaigns": [c.to_ir() for c in self._campaigns],
        }
        if not isinstance(codes_case_sensitive, bool):
            raise _mismatch("codes_case_sensitive", "a bool", codes_case_sensitive)
        if codes_case_sensitive:
            # Left out when false, so the IR of engines without the option is unchanged.
            self._ir["codes_case_sensitive"] = True
        self._programs = _programs(programs)
        if self._programs:
            self._ir["programs"] = [p.to_ir() for p in self._programs]
        text = json.dumps(self._ir)
        try:
            self._program = _native.Program(text)
        except RuleError:
            # Compile again with the rule texts, so errors inside them get a line and column.
            self._program = _native.Program(text, self._sources())
        self._info: dict[str, CampaignInfo] | None = None
        self._version: str | None = None
        # Usage limits and budgets read a store's snapshot; an engine without them never does.
        self._stateful = self._program.is_stateful()
        self._store = _open_store(store)

    @property
    def store(self) -> Store:
        """Where usage limits, budgets and redemptions live (``memory://`` of this engine when
        none was given)."""
        if self._store is None:
            with _DEFAULT_STORE_LOCK:
                if self._store is None:
                    from .stores.memory import MemoryStore

                    self._store = MemoryStore()
        return self._store

    @property
    def version(self) -> str:
        """A hex digest of the definitions: equal for equal definitions (recorded with every
        redemption)."""
        if self._version is None:
            text = json.dumps(self._ir, sort_keys=True, separators=(",", ":"))
            self._version = hashlib.sha256(text.encode()).hexdigest()[:16]
        return self._version

    def _sources(self) -> list[tuple[tuple[Any, ...], str]]:
        """Where the campaigns' expressions written as rule text are, with their text."""
        found: list[tuple[tuple[Any, ...], str]] = []

        def walk(value: Any, loc: tuple[Any, ...]) -> None:
            if isinstance(value, Expr):
                if value._text is not None:
                    found.append((loc, value._text))
            elif isinstance(value, ir.IRModel):
                for name, info in type(value).model_fields.items():
                    walk(getattr(value, name), (*loc, info.alias or name))
            elif isinstance(value, tuple):
                for i, v in enumerate(value):
                    walk(v, (*loc, i))

        for i, c in enumerate(self._campaigns):
            walk(c, ("campaigns", i))
        return found

    @property
    def campaigns(self) -> tuple[Campaign, ...]:
        return self._campaigns

    @property
    def programs(self) -> tuple[Loyalty | Referral, ...]:
        """The engine's programmes (:class:`promotor.Loyalty`, :class:`promotor.Referral`)."""
        return self._programs

    @property
    def currency(self) -> str:
        return self._currency

    @property
    def rounding(self) -> Rounding:
        return self._rounding

    @property
    def stacking(self) -> Stacking:
        return self._stacking

    @property
    def bounds(self) -> RuleBounds:
        return self._bounds

    def evaluate(
        self,
        cart: Any,
        customer: Any = None,
        codes: Sequence[str] | str | None = (),
        now: datetime | None = None,
        context: Any = None,
    ) -> Result:
        """Price a cart: apply the campaigns that qualify and explain the others.

        ``cart``, ``customer`` and ``context`` may be models or plain dicts; ``now`` must be
        timezone-aware (default: the current time in UTC). Raises :class:`InputError` naming
        the offending field for bad input; nothing is applied then.

        The input (dicts or models; prices as ``str``, ``int``, ``float`` or ``Decimal``) is
        read and validated in Rust by the same validator as batch rows; the :class:`Result`
        converts its parts to Python objects when they are first read, and works out the
        explanations in ``rejected`` only if they are read, so reading ``result.total`` costs
        no more than it needs to.
        """
        if self._stateful:
            return self._evaluate_stateful(cart, customer, codes, now, context)
        priced = self._program.price(cart, customer, codes, now, context)
        return Result._from_native(priced, self._describe())

    def _request(
        self, cart: Any, customer: Any, codes: Sequence[str] | str | None, now: Any, context: Any
    ) -> _native.Request:
        """The input read once by the core's validator, to price on a snapshot."""
        return self._program.request(cart, customer, codes, now, context)

    def _evaluate_stateful(
        self, cart: Any, customer: Any, codes: Sequence[str] | str | None, now: Any, context: Any
    ) -> Result:
        """Price on a snapshot of the counters the limited candidates need; never writes."""
        request = self._request(cart, customer, codes, now, context)
        lookups = request.pool_lookups()
        pools = self.store._lookup_codes(lookups) if lookups else None
        keys = request.keys(pools)
        families = request.families()
        snapshot: dict[str, int] | None
        if families:
            snapshot = self.store._read_families(keys, families, request.now())
        else:
            snapshot = self.store._read(keys, request.now(), None)[0] if keys else None
        return Result._from_native(request.price(snapshot, pools), self._describe())

    def redeem(
        self,
        cart: Any,
        customer: Any = None,
        codes: Sequence[str] = (),
        now: datetime | None = None,
        context: Any = None,
        order_id: str | None = None,
        idempotency_key: str | None = None,
        points: int | Mapping[str, int] | None = None,
        gift_cards: Sequence[str] = (),
    ) -> Redemption:
        """Price the cart on the store's counters and commit it: usage limits and budgets
        count it, exactly, under any concurrency (docs/state.md). The redemption is recorded
        even when nothing applied. The same ``idempotency_key`` with the same request returns
        the first redemption; with another request it raises :class:`IdempotencyError`.

        With programmes (docs/loyalty.md, docs/gift-cards.md): ``gift_cards`` (codes, used in
        this order) and then ``points`` (a number for the engine's one loyalty programme, or
        ``{programme id: points}``) pay what is due after discounts (``result.payments``,
        ``result.amount_due``), and every loyalty programme earns the order's points."""
        from . import redemption
        from .programs import operations

        request = self._request(cart, customer, codes, now, context)
        pay = operations.pay_request(self, points, gift_cards, order_id, request)
        return redemption.redeem(
            self,
            request,
            order_id=order_id,
            idempotency_key=idempotency_key,
            pay=pay,
            identity=operations.identity(customer),
        )

    def reserve(
        self,
        cart: Any,
        customer: Any = None,
        codes: Sequence[str] = (),
        now: datetime | None = None,
        context: Any = None,
        ttl: timedelta = timedelta(minutes=15),
    ) -> Reservation:
        """Price the cart and hold what it uses of limits and budgets until ``now + ttl``:
        :meth:`confirm` makes it a redemption, :meth:`release` gives it back, and unconfirmed
        it comes back by itself after ``ttl`` (even if this process dies)."""
        from . import redemption

        request = self._request(cart, customer, codes, now, context)
        return redemption.reserve(self, request, ttl=ttl)

    def confirm(
        self, reservation_id: str, order_id: str | None = None, now: datetime | None = None
    ) -> Redemption:
        """Turn a reservation into a redemption (idempotent). An expired or released one is
        priced again at ``now`` and may get less."""
        from . import redemption

        return redemption.confirm(self, reservation_id, order_id=order_id, now=now)

    def release(self, reservation_id: str, now: datetime | None = None) -> None:
        """Give a reservation's capacity back (idempotent; nothing for an expired one)."""
        from . import redemption

        redemption.release(self, reservation_id, now=now)

    def rollback(
        self, redemption_id: str, reason: str | None = None, now: datetime | None = None
    ) -> Redemption:
        """Undo a redemption (a refund, a cancelled order): its usage and budget come back.
        Idempotent; returns it with ``status="rolled_back"``."""
        from . import redemption

        return redemption.rollback(self, redemption_id, reason=reason, now=now)

    def assign_code(self, campaign_id: str, customer: Any, now: datetime | None = None) -> str:
        """A code of the campaign's pool for ``customer`` (an id, or a customer with an
        ``id``): the one they already hold, or else a free one, taken atomically (no two
        customers ever get the same code, under any concurrency). Returns its display form;
        raises :class:`PoolExhaustedError` when no code is free. The campaign must have
        ``unique_codes=True``."""
        from .pools import assign_code

        return assign_code(self, campaign_id, customer, now)

    def wallet(self, customer: Any, cart: Any = None, now: datetime | None = None) -> Wallet:
        """Every pool code the customer holds (of this engine's ``unique_codes`` campaigns),
        with its status (``available``, ``used``, ``expired``), expiry and, with a ``cart``,
        what it takes off that cart now: one evaluation for all of them (docs/codes.md).
        ``customer`` is an id or a customer (whose segments and fields rules may read)."""
        from .pools import wallet

        return wallet(self, customer, cart, now)

    # -- programmes (docs/loyalty.md, docs/gift-cards.md) ---------------------------------

    def track(
        self,
        event: str,
        customer: Any,
        now: datetime | None = None,
        properties: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, int]:
        """Record a custom event (``"review_posted"``) for a customer: every loyalty
        programme's rules ``on=event`` earn points, available at once. Returns the points
        earned per programme; the same ``idempotency_key`` earns once."""
        from .programs import operations

        return operations.track(self, event, customer, now, properties, idempotency_key)

    def balance(
        self, customer: Any, program: str | None = None, now: datetime | None = None
    ) -> Balance:
        """A customer's points in a programme at ``now``: available, pending, expiring, tier."""
        from .programs import operations

        return operations.balance(self, customer, program, now)

    def redeem_reward(
        self, customer: Any, reward: str, program: str | None = None, now: datetime | None = None
    ) -> str:
        """Spend a reward's cost in points and issue a code for it into the customer's wallet;
        returns the code, which evaluate and redeem accept for this customer only, once."""
        from .programs import operations

        return operations.redeem_reward(self, customer, reward, program, now)

    def sweep(self, program: str | None = None, now: datetime | None = None) -> int:
        """Write the ``points_expiring`` and ``tier_changed`` events due at ``now`` for every
        customer of a programme (run it daily); returns how many were written."""
        from .programs import operations

        return operations.sweep(self, program, now)

    def import_points(
        self,
        program: str,
        path: str | os.PathLike[str],
        mode: Literal["add", "replace"] = "add",
        create_missing: bool = False,
        now: datetime | None = None,
        progress: bool = False,
    ) -> ImportReport:
        """Import balances from a CSV file with a header ``email,points`` or
        ``customer_id,points``: streamed (constant memory), idempotent per (file content,
        row), points available at once. ``mode="replace"`` sets the available balance.
        ``progress=True`` shows a tqdm bar (the ``progress`` extra; without tqdm, no bar)."""
        from .programs import migration

        return migration.import_points(
            self, program, path, mode=mode, create_missing=create_missing, now=now,
            progress=progress,
        )  # fmt: skip

    def award_retroactive(
        self,
        program: str,
        path: str | os.PathLike[str],
        per: Any = 1,
        create_missing: bool = False,
        now: datetime | None = None,
        progress: bool = False,
    ) -> ImportReport:
        """Give points for past spending from a CSV ``email,total_spent`` (or
        ``customer_id,total_spent``): one point per ``per`` spent, counted toward tiers."""
        from .programs import migration

        return migration.award_retroactive(
            self, program, path, per=per, create_missing=create_missing, now=now,
            progress=progress,
        )  # fmt: skip

    def referral_code(
        self, program: str | None = None, advocate: Any = None, now: datetime | None = None
    ) -> str:
        """The advocate's code of a referral programme: made once from the programme's
        ``code_pattern`` by the code generator and stored, the same on every later call.
        ``advocate`` is an id or a customer dict (its ``email`` makes the same-email
        ``self_referral`` check possible; its fields are what ``advocate_rules`` see).
        Raises :class:`NotEligibleError` when ``advocate_rules`` do not hold. Its QR code or
        barcode: ``pm.codes.qr(code)``, ``pm.codes.barcode(code)``."""
        from .programs import operations

        return operations.referral_code(self, program, advocate, now)

    def referrals(
        self, advocate: Any, program: str | None = None, now: datetime | None = None
    ) -> ReferralProgress:
        """An advocate's progress: friends pending, converted and rewarded, the last tier
        rewarded and how many more rewarded referrals reach the next one."""
        from .programs import operations

        return operations.referrals(self, advocate, program, now)

    def issue_gift_card(
        self,
        amount: Any,
        customer: Any = None,
        expires_at: datetime | None = None,
        code: str | None = None,
        now: datetime | None = None,
    ) -> GiftCard:
        """Issue a gift card of ``amount`` in the engine's currency (a new random code unless
        ``code`` is given; an existing code raises :class:`InputError`)."""
        from .programs import operations

        return operations.issue_gift_card(self, amount, customer, expires_at, code, now)

    def top_up(self, code: str, amount: Any, now: datetime | None = None) -> GiftCard:
        """Add ``amount`` to an active gift card."""
        from .programs import operations

        return operations.top_up(self, code, amount, now)

    def deactivate_gift_card(self, code: str, now: datetime | None = None) -> GiftCard:
        """Switch a gift card off (idempotent): it pays nothing from then on."""
        from .programs import operations

        return operations.deactivate_gift_card(self, code, now)

    def gift_card(self, code: str) -> GiftCard:
        """A gift card by code; :class:`NotFoundError` if there is none."""
        from .programs import operations

        return operations.gift_card(self, code)

    def evaluate_batch(
        self,
        orders: Any,
        lines: Any = None,
        detail: bool = False,
        threads: int | None = None,
        money: Literal["decimal", "minor", "float"] = "decimal",
        extra_columns: Literal["forbid", "ignore"] = "forbid",
    ) -> Any:
        """Price a whole table of orders in Rust, on all cores, with the GIL released.

        ``orders`` (and ``lines``) may be a pyarrow Table or RecordBatch, a polars DataFrame or
        LazyFrame, a pandas DataFrame, or any object with ``__arrow_c_stream__`` /
        ``__arrow_c_array__``; the result has the caller's type (pyarrow for anything else).
        Each row is read by the validator :meth:`evaluate` uses, so it carries every field
        ``evaluate`` reads and gets the same errors. Columns: ``order_id``; the customer's
        ``customer_id``, ``email``, ``segments``, ``orders_count``, ``total_spent``,
        ``customer_created_at``, ``birthday``, ``customer_metadata`` (any of them makes a
        customer); ``codes``; the context's ``created_at`` (``now`` of that order; it must
        have a timezone), ``channel``, ``country``, ``context_metadata``; the cart's
        ``shipping`` (or ``shipping_minor``), ``currency``, ``metadata``, and either ``items``
        (list of structs with ``sku, product, category, tags, price`` (or ``price_minor``),
        ``quantity, metadata``) or a ``lines`` table of those columns keyed by ``order_id``.
        Metadata columns hold JSON text or structs. Money may be decimal128, float64 (read
        like a Python float) or integer minor units of the engine's currency in ``*_minor``
        columns. A column (or item field) no field reads is an error with a did-you-mean,
        unless ``extra_columns="ignore"``; so is a line whose ``order_id`` no order has.

        Returns ``order_id, subtotal, discount, shipping_discount, total, applied`` (money as
        ``decimal128(18, exponent)``, ``int64`` ``*_minor`` columns, or ``float64``, by
        ``money``); with ``detail=True`` a tuple ``(summary, detail)`` where detail has one row
        per applied campaign: ``order_id, campaign_id, amount``. Bad input raises
        :class:`InputError` with a ``loc`` such as ``("orders", 3, "items", 1, "price")``.
        """
        from ._batch import evaluate_batch

        return evaluate_batch(
            self._program,
            orders,
            lines,
            detail=detail,
            threads=threads,
            money=money,
            extra_columns=extra_columns,
        )

    def _describe(self) -> dict[str, CampaignInfo]:
        """What explanations say about each campaign, printed once, on first use."""
        if self._info is None:
            info = {}
            for c in self._ir["campaigns"]:
                tiers = c.get("tiers") or []
                effects = [describe_effects(t) for t in tiers] or [describe_effects(c)]
                info[c["id"]] = CampaignInfo(
                    name=c.get("name", ""),
                    rules=describe_rule(c.get("rules")),
                    effects=effects,
                    tier_rules=[describe_rule(t.get("rules")) for t in tiers],
                    parts=[
                        [describe_effect(e) for e in h.get("effects") or ()] for h in (tiers or [c])
                    ],
                )
            self._info = info
        return self._info

    def qualifications(
        self,
        cart: Any,
        customer: Any = None,
        now: datetime | None = None,
        context: Any = None,
        codes: Sequence[str] = (),
    ) -> Qualifications:
        """What applies to the cart now (best first), and the campaigns it is close to, with
        hints such as ``Hint("cart.subtotal", Decimal("12.40"), "add 12.40 to the cart")``.

        >>> import promotor as pm
        >>> from promotor import cart
        >>> engine = pm.Engine([pm.Campaign(id="ship", rules=cart.subtotal >= 60,
        ...                                 effect=pm.free_shipping())])
        >>> q = engine.qualifications({"items": [{"sku": "A", "price": "47.60", "quantity": 1}],
        ...                            "shipping": "4.99"})
        >>> q.near[0].hints[0].message
        'add 12.40 to the cart'
        """
        return qualifications(
            self, cart=cart, customer=customer, now=now, context=context, codes=codes
        )

    def price(
        self,
        item: Any,
        cart: Any = None,
        customer: Any = None,
        codes: Sequence[str] | str | None = (),
        now: datetime | None = None,
        context: Any = None,
    ) -> ItemPrice:
        """What one unit of ``item`` would cost if it were added to ``cart`` (empty by
        default), with the automatic campaigns and the given ``codes``, and the campaigns
        that make the price: what a product page shows. The unit is added as a line of its
        own after the cart's lines and the cart is priced as at checkout; its price is that
        line's total (an order discount counts with the unit's share of it). See
        docs/semantics.md, "Product page prices".

        >>> import promotor as pm
        >>> from promotor import item
        >>> engine = pm.Engine([pm.Campaign(id="tea-10", effect=pm.percent_off(
        ...     10, on=pm.items(item.category == "tea")))])
        >>> p = engine.price({"sku": "TEA-1", "price": "7.50", "category": "tea"})
        >>> p.price, [(c.campaign_id, c.amount) for c in p.campaigns]
        (Decimal('6.75'), [('tea-10', Decimal('0.75'))])
        """
        return item_price(self, item, cart, customer, codes, now, context)

    def _probe(self, campaign: dict[str, Any]) -> Engine:
        """An engine of this one campaign (an IR dict), with this engine's currency and
        rounding and default stacking, no store and no programmes: what qualifications price
        a tier against."""
        data = {**self.to_ir(), "campaigns": [campaign], "stacking": {}}
        data.pop("programs", None)
        return Engine.from_ir(data)

    def to_ir(self) -> dict[str, Any]:
        """The engine's IR as plain data (a deep copy)."""
        return json.loads(json.dumps(self._ir))  # type: ignore[no-any-return]

    def to_json(self, *, indent: int | None = None) -> str:
        """The engine's IR as JSON: the storable, versioned form. See :meth:`from_json`."""
        return json.dumps(self._ir, indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> Engine:
        """Rebuild an engine from :meth:`to_json` output (of this version or an older one,
        such as IR version 1). The core reads it first, so any mistake, however deep, is a
        located :class:`RuleError`."""
        return cls._from_current(ir.read_engine(text))

    @classmethod
    def from_ir(cls, data: Mapping[str, Any]) -> Engine:
        """Rebuild an engine from :meth:`to_ir` data (of this version or an older one)."""
        if not isinstance(data, Mapping):
            raise RuleError(
                [
                    detail(
                        "type_mismatch",
                        expected="an engine definition (an object)",
                        got=type(data).__name__,
                    )
                ]
            )
        deep = ir.too_deep(data)
        if deep is not None:
            raise RuleError([detail("too_deep", deep, max=_native.MAX_JSON_DEPTH)])
        return cls._from_current(ir.read_engine(json.dumps(data)))

    @classmethod
    def _from_current(cls, data: dict[str, Any]) -> Engine:
        try:
            definition = ir.EngineDef.model_validate(data)
        except ValidationError as err:
            raise ir.rule_error(err, data) from None
        return cls(
            data["campaigns"],
            currency=definition.currency,
            rounding=definition.rounding,
            stacking=definition.stacking,
            bounds=definition.bounds,
            programs=data.get("programs") or (),
            codes_case_sensitive=bool(definition.codes_case_sensitive),
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Engine:
        """The engine a definition file defines: YAML (``.yaml``, ``.yml``) or JSON
        (``.json``), written for people (rule text, plain numbers, effects as
        ``{type: percent_off, percent: 10}``) or the IR of :meth:`to_json`.

        Raises :class:`RuleError` listing every problem with its path in the file, and the
        file, line and column where known (see docs/definition-files.md); ``OSError`` when the
        file cannot be read. YAML needs PyYAML (``pip install 'promotor[cli]'``).
        """
        from .definitions import load

        return load(path)

    def to_file(self, path: str | os.PathLike[str]) -> None:
        """Write the engine to a definition file, YAML or JSON by the suffix, that
        :meth:`from_file` reads back to an equal engine.

        >>> import tempfile, pathlib
        >>> import promotor as pm
        >>> engine = pm.Engine([pm.Campaign(id="ten", effect=pm.percent_off(10))])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = pathlib.Path(tmp) / "promotions.yaml"
        ...     engine.to_file(path)
        ...     pm.Engine.from_file(path).to_ir() == engine.to_ir()
        True
        """
        from .definitions import save

        save(self, path)

    def __reduce__(self) -> tuple[Any, ...]:
        if self._store is None:
            return (Engine.from_json, (self.to_json(),))
        return (_restore, (self.to_json(), self._store.url))

    def __repr__(self) -> str:
        return f"<Engine {len(self._campaigns)} campaigns, {self._currency}>"


def _open_store(store: Any) -> Store | None:
    if store is None:
        return None
    if isinstance(store, str):
        from .stores import store as open_store

        return open_store(store)
    from .stores import Store

    if not isinstance(store, Store):
        raise RuleError([{"loc": ("store",), "msg": "expected a store or a store URL"}])
    return store


def _restore(text: str, store_url: str) -> Engine:
    """An unpickled engine: its definitions, and its store opened again by URL."""
    engine = Engine.from_json(text)
    engine._store = _open_store(store_url)
    return engine


def json_schema() -> dict[str, Any]:
    """The JSON Schema of an engine definition (what :meth:`Engine.to_json` writes), for
    editors, validators and code generators.

    >>> import promotor as pm
    >>> pm.json_schema()["title"]
    'EngineDef'
    """
    return ir.EngineDef.model_json_schema(by_alias=True)


_Setting = TypeVar("_Setting", Stacking, RuleBounds)

#: The default settings, made once (they are immutable).
_DEFAULTS: dict[type[Any], Any] = {}


def _under(name: str | int, err: RuleError, *more: str | int) -> RuleError:
    """``err`` with every location under ``(name, *more)``."""
    return RuleError([{**e, "loc": (name, *more, *e["loc"])} for e in err.errors()])


def _mismatch(field: str, expected: str, value: object) -> RuleError:
    """The error for an engine setting of the wrong type."""
    return RuleError(
        [detail("type_mismatch", (field,), expected=expected, got=type(value).__name__)]
    )


def _setting(
    model: type[_Setting], value: _Setting | Mapping[str, Any] | None, name: str
) -> _Setting:
    """An engine setting given as its model, a dict of its fields, or ``None`` (defaults)."""
    if value is None:
        default = _DEFAULTS.get(model)
        if default is None:
            default = _DEFAULTS[model] = model()
        return default
    if isinstance(value, model):
        return value
    if isinstance(value, Mapping):
        try:
            return model.model_validate(dict(value))
        except RuleError as err:
            raise _under(name, err) from None
    raise RuleError(
        [
            detail(
                "type_mismatch",
                (name,),
                expected=f"pm.{model.__name__}(...) or a dict",
                got=type(value).__name__,
            )
        ]
    )


def _programs(values: Any) -> tuple[Loyalty | Referral, ...]:
    """The engine's programmes, given as models or dicts (``type`` "loyalty" or "referral")."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise RuleError(
            [
                detail(
                    "type_mismatch",
                    ("programs",),
                    expected="a list of programmes",
                    got=type(values).__name__,
                )
            ]
        )
    out: list[Loyalty | Referral] = []
    for i, value in enumerate(values):
        if isinstance(value, Loyalty | Referral):
            out.append(value)
        elif isinstance(value, Mapping):
            try:
                model = Referral if value.get("type") == "referral" else Loyalty
                out.append(model.model_validate(value))
            except RuleError as err:
                raise _under("programs", err, i) from None
        else:
            raise RuleError(
                [
                    detail(
                        "type_mismatch",
                        ("programs", i),
                        expected="pm.Loyalty(...), pm.Referral(...) or a dict",
                        got=type(value).__name__,
                    )
                ]
            )
    return tuple(out)


def _campaign(value: Campaign | Mapping[str, Any], index: int) -> Campaign:
    if isinstance(value, Campaign):
        return value
    if isinstance(value, Mapping):
        try:
            return Campaign.model_validate(value)
        except RuleError as err:
            raise _under("campaigns", err, index) from None
    raise RuleError(
        [
            detail(
                "type_mismatch",
                ("campaigns", index),
                expected="a Campaign or a dict",
                got=type(value).__name__,
            )
        ]
    )
