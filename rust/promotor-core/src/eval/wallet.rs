//! A customer's wallet (DESIGN section 9): for each of their pool codes, its status and, with a
//! cart, what it takes off that cart now, all in one evaluation.
//!
//! - `used`: a per-code count limit of its campaign is reached for this code (the counters as
//!   read now, periods included);
//! - `expired`: otherwise, its campaign has ended (`now >= ends_at`) or is switched off
//!   (`active=False`);
//! - `available`: otherwise.
//!
//! Its value is the discount its campaign gives the cart on its own, with this code: the
//! campaign's checks (currency, window, schedule, rules, tiers) and limits as a redemption
//! would see them (a limit that blocks gives 0, a budget with less left shrinks it), capped by
//! `max_discount`; 0 when it is used or expired, or gives only gifts. One pass: the cart is read
//! once, each campaign's rules and effect are worked out once, and only the limit checks are per
//! code. The codes of the input are the wallet's (display forms); the pool rows say whose they
//! are.

use std::collections::HashMap;

use super::derive;
use super::effects::{self, MinorUnit, State};
use super::expr::Ctx;
use super::stacking::eligible;
use crate::compile::Program;
use crate::input::Input;
use crate::money::{self, from_minor};
use crate::state::pools::{pooled_campaign, PoolCodes};
use crate::state::{Meter, Snapshot};

/// What a wallet shows of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeStatus {
    Available,
    Used,
    Expired,
}

impl CodeStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Used => "used",
            Self::Expired => "expired",
        }
    }
}

/// One code of a wallet.
#[derive(Debug, Clone, PartialEq)]
pub struct WalletCode {
    /// Index of the code in the input's codes.
    pub index: usize,
    pub campaign: String,
    pub status: CodeStatus,
    /// The campaign's `ends_at` (microseconds), if any.
    pub expires_at: Option<i64>,
    /// What it takes off the cart now (in the cart's currency); `None` without a cart.
    pub value: Option<rust_decimal::Decimal>,
}

impl Program {
    /// The campaign index of each input code that is a pool code of this customer's, of a
    /// `unique_codes` campaign of this engine.
    fn wallet_campaigns(&self, input: &Input, pools: &PoolCodes) -> Vec<Option<usize>> {
        let p = &*self.0;
        let customer = input.customer.as_ref().and_then(|c| c.id.as_deref());
        input
            .codes
            .iter()
            .map(|code| {
                let key = crate::codes::key(code).ok()?;
                let row = pools.0.get(&key)?;
                if row.customer.is_none() || row.customer.as_deref() != customer {
                    return None;
                }
                pooled_campaign(p, &row.campaign)
            })
            .collect()
    }

    /// The limit counters of one wallet code (as a redemption with that code alone reads them).
    fn code_meter<'m>(
        &'m self,
        input: &Input,
        ci: usize,
        code: &str,
        snapshot: Option<&Snapshot>,
    ) -> Meter<'m> {
        let p = &*self.0;
        let mut matched: Vec<Option<&str>> = vec![None; p.campaigns.len()];
        matched[ci] = Some(code);
        Meter::of_codes(&p.usage_limits, input, &matched, snapshot, p.exponent)
    }

    /// The counters a store reads for [`Program::wallet`]: the limits of each code's campaign,
    /// for this customer, code and period.
    pub fn wallet_keys(&self, input: &Input, pools: &PoolCodes) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if !self.0.usage_limits.any {
            return out;
        }
        for (code, ci) in input.codes.iter().zip(self.wallet_campaigns(input, pools)) {
            let Some(ci) = ci else { continue };
            for k in self.code_meter(input, ci, code, None).keys() {
                if !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        out
    }

    /// Status, expiry and (when `priced`) value of each input code that is one of the
    /// customer's pool codes (module docs); the others are left out.
    pub fn wallet(
        &self,
        input: &Input,
        snapshot: &Snapshot,
        pools: &PoolCodes,
        priced: bool,
    ) -> Vec<WalletCode> {
        let p = &*self.0;
        let campaigns = self.wallet_campaigns(input, pools);
        let now = input.context.now;
        let engine_currency = p.def.currency.as_str();
        let currency = input
            .cart
            .currency
            .clone()
            .unwrap_or_else(|| engine_currency.to_owned());
        let mismatch = currency != engine_currency;
        let exponent = if mismatch {
            money::currency_exponent(&currency).unwrap_or(p.exponent)
        } else {
            p.exponent
        };
        // Each campaign's effect alone on the original cart, once, for the campaigns that pass
        // their checks (as candidates matched by one of their codes).
        let mut alone: HashMap<usize, Option<effects::Discount>> = HashMap::new();
        let (facts, shipping) = derive(input, currency, exponent, p.mode);
        let mut ctx = Ctx::new(input, &facts, p.mode, p.leaves);
        let original = State::with_methods(facts.lines.clone(), facts.methods.clone());
        debug_assert_eq!(original.shipping, shipping);
        let subtotal = facts.lines.iter().fold(0i128, |a, b| a.saturating_add(*b));
        let cap = p
            .max_discount
            .map(|pct| effects::percent_of(subtotal, pct, p.mode).unwrap_or(subtotal));
        if priced {
            let mut matched: Vec<Option<&str>> = vec![None; p.campaigns.len()];
            for (code, ci) in input.codes.iter().zip(&campaigns) {
                if let Some(ci) = ci {
                    matched[*ci].get_or_insert(code.as_str());
                }
            }
            let unit = MinorUnit {
                exponent,
                mode: p.mode,
            };
            let (_, el) = eligible(
                p, &mut ctx, &matched, mismatch, None, false, None, false, None,
            );
            for e in el.iter().filter(|e| matched[e.ci].is_some()) {
                let d = e.effect.apply(&mut ctx, &original, &unit);
                alone.insert(e.ci, d);
            }
        }
        let mut out = Vec::new();
        for (index, (code, ci)) in input.codes.iter().zip(&campaigns).enumerate() {
            let Some(ci) = *ci else { continue };
            let c = &p.campaigns[ci];
            let meter = p
                .usage_limits
                .any
                .then(|| self.code_meter(input, ci, code, Some(snapshot)));
            let used = meter.as_ref().is_some_and(|m| m.code_used(ci));
            let status = if used {
                CodeStatus::Used
            } else if !c.active || c.ends_at.is_some_and(|e| now >= e) {
                CodeStatus::Expired
            } else {
                CodeStatus::Available
            };
            let value = priced.then(|| {
                let mut amount = 0i128;
                if status == CodeStatus::Available {
                    if let Some(Some(d)) = alone.get(&ci) {
                        let mut d = d.clone();
                        let admitted = meter.as_ref().is_none_or(|m| {
                            m.prefilter(ci).is_none() && m.admit(ci, &mut d, &mut m.usage()).is_ok()
                        });
                        if admitted {
                            amount = d.total().max(0);
                            if let Some(m) = cap {
                                amount = amount.min(m.max(0));
                            }
                        }
                    }
                }
                from_minor(amount, exponent)
            });
            out.push(WalletCode {
                index,
                campaign: c.id.clone(),
                status,
                expires_at: c.ends_at,
                value,
            });
        }
        out
    }
}
