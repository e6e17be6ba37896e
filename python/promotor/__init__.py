"""promotor: an embeddable promotions engine with a Rust core.

Define campaigns in Python (rules, effects, tiers, codes), compile them once into an
:class:`Engine`, and price carts in microseconds, exactly to the cent, with an explanation of
every decision.

>>> import promotor as pm
>>> from promotor import cart
>>> engine = pm.Engine([pm.Campaign(id="spend50", rules=cart.subtotal >= 50,
...                                 effect=pm.percent_off(10))])
>>> engine.evaluate({"items": [{"sku": "A1", "price": "30.00", "quantity": 2}]}).total
Decimal('54.00')
"""

from . import codes, datasets, errors, events, identity, ir, stores, webhooks
from .campaign import Campaign, RuleBounds, Schedule, Stacking, Tier
from .effects import (
    ORDER,
    SHIPPING,
    amount_off,
    buy_x_get_y,
    fixed_price,
    free_shipping,
    gift,
    items,
    percent_off,
    shipping,
    shipping_off,
)
from .engine import Engine, json_schema
from .errors import (
    ConflictError,
    IdempotencyError,
    InputError,
    NotFoundError,
    PoolExhaustedError,
    PromotorError,
    RuleError,
    StoreError,
)
from .events import Event
from .expr import (
    Expr,
    When,
    cart,
    context,
    customer,
    date,
    days_between,
    greatest,
    item,
    least,
    lit,
    method,
    parse,
    timestamp,
    when,
)
from .inputs import Cart, Context, Customer, Item, ShippingMethod
from .pricing import ItemPrice, PriceCampaign
from .programs import (
    Balance,
    EarnRule,
    GiftCard,
    ImportReport,
    Loyalty,
    LoyaltyTier,
    Payment,
    Referral,
    ReferralProgress,
    ReferralReward,
    Reward,
    earn,
    referral_reward,
)
from .qualify import Hint, NearMiss, Qualifications, Upsell
from .redemption import AuditEntry, Redemption, Reservation, Usage
from .result import (
    Applied,
    Gift,
    LineResult,
    Part,
    Rejected,
    Result,
    ShippingMethodResult,
    Taxes,
    TaxLine,
)
from .simulation import Report, simulate
from .stores import Store, store
from .usage import Budget, UsageLimit, budget, limit

__version__ = "0.1.0"

__all__ = [
    "ORDER",
    "SHIPPING",
    "Applied",
    "AuditEntry",
    "Balance",
    "Budget",
    "Campaign",
    "Cart",
    "ConflictError",
    "Context",
    "Customer",
    "EarnRule",
    "Engine",
    "Event",
    "Expr",
    "Gift",
    "GiftCard",
    "Hint",
    "IdempotencyError",
    "ImportReport",
    "InputError",
    "Item",
    "ItemPrice",
    "LineResult",
    "Loyalty",
    "LoyaltyTier",
    "NearMiss",
    "NotFoundError",
    "Part",
    "Payment",
    "PoolExhaustedError",
    "PriceCampaign",
    "PromotorError",
    "Qualifications",
    "Redemption",
    "Referral",
    "ReferralProgress",
    "ReferralReward",
    "Rejected",
    "Report",
    "Reservation",
    "Result",
    "Reward",
    "RuleBounds",
    "RuleError",
    "Schedule",
    "ShippingMethod",
    "ShippingMethodResult",
    "Stacking",
    "Store",
    "StoreError",
    "TaxLine",
    "Taxes",
    "Tier",
    "Upsell",
    "Usage",
    "UsageLimit",
    "When",
    "amount_off",
    "budget",
    "buy_x_get_y",
    "cart",
    "codes",
    "context",
    "customer",
    "datasets",
    "date",
    "days_between",
    "earn",
    "errors",
    "events",
    "fixed_price",
    "free_shipping",
    "gift",
    "greatest",
    "identity",
    "ir",
    "item",
    "items",
    "json_schema",
    "least",
    "limit",
    "lit",
    "method",
    "parse",
    "percent_off",
    "referral_reward",
    "shipping",
    "shipping_off",
    "simulate",
    "store",
    "stores",
    "timestamp",
    "webhooks",
    "when",
]
