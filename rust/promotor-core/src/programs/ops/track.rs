//! `track`: a customer's event earns in every loyalty programme with a rule for it, and
//! converts a pending friend in every referral programme converting `on` it.

use rust_decimal::Decimal;
use serde_json::{json, Value as J};

use super::super::loyalty::context;
use super::super::work::Work;
use super::super::{keys, Event};
use crate::compile::Program;
use crate::eval::derive;
use crate::input::{Input, Map};

impl Program {
    /// Decides [`super::Op::Track`]; answers the points (or conversions) per programme.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn track(
        &self,
        customer: &str,
        event: &str,
        now: i64,
        properties: &Map,
        codes: &[String],
        input: Option<&Input>,
        work: &mut Work<'_>,
        events: &mut Vec<Event>,
    ) -> Result<J, String> {
        let p = &*self.0;
        let mut owned = input.cloned().unwrap_or_default();
        owned.context.now = now;
        if owned.context.metadata.is_empty() {
            owned.context.metadata.clone_from(properties);
        }
        if owned.customer.is_none() {
            owned.customer = Some(crate::input::Customer {
                id: Some(customer.to_owned()),
                ..crate::input::Customer::default()
            });
        }
        let currency = p.def.currency.clone();
        let (facts, _) = derive(&owned, currency, p.exponent, p.mode);
        let mut earned = serde_json::Map::new();
        for l in &p.programs.loyalty {
            let family = keys::loyalty(&l.id, customer);
            let today = l.today(now);
            let tier = l.tier(work, &family, today);
            let mut ctx = context(&owned, &facts, p.mode);
            let points = l.points(&mut ctx, Some(event), Decimal::ZERO, tier, now);
            if points > 0 {
                let lot = l.credit(work, &family, points, today, false);
                events.push(l.earned_event(
                    customer,
                    points,
                    &lot,
                    "event",
                    json!({"event": event}),
                ));
            }
            earned.insert(l.id.clone(), J::from(points));
            l.announce(work, &family, customer, now, events);
        }
        let mut codes = codes.to_vec();
        for r in &p.programs.referral {
            if r.on.as_deref() != Some(event) {
                continue;
            }
            let mut ctx = context(&owned, &facts, p.mode);
            let holds = r
                .conversion
                .as_ref()
                .is_none_or(|rule| crate::eval::explain::holds(&mut ctx, rule));
            let done = holds
                && r.convert(
                    p,
                    work,
                    customer,
                    now,
                    &mut codes,
                    json!({"via": "event", "event": event}),
                    events,
                )?
                .is_some();
            earned.insert(r.id.clone(), J::from(i64::from(done)));
        }
        Ok(J::Object(earned))
    }
}
