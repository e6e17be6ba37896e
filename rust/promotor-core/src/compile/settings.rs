//! The engine's settings that compile with its campaigns: stacking (`max_discount`) and the
//! rule bounds.

use rust_decimal::Decimal;

use super::{at, key, literal, Errs};
use crate::error::ErrorKind;
use crate::ir::{self, RuleBounds};

pub(super) fn compile_stacking(s: &ir::Stacking, errs: &mut Errs) -> Option<Decimal> {
    let loc = [key("stacking")];
    if s.max_applied == Some(0) {
        errs.push(
            &at(&loc, &[key("max_applied")]),
            ErrorKind::TooSmall {
                min: "1".to_owned(),
            },
        );
    }
    s.max_discount.as_ref().and_then(|m| {
        literal::parse_num_literal(m.trim())
            .map_err(|k| errs.push(&at(&loc, &[key("max_discount")]), k))
            .ok()
    })
}

/// Bounds may not exceed what rule text is parsed with ([`RuleBounds::PARSE`]).
pub(super) fn check_bounds(b: &RuleBounds, errs: &mut Errs) {
    let caps = RuleBounds::PARSE;
    for (name, value, cap) in [
        ("max_depth", b.max_depth, caps.max_depth),
        ("max_text_len", b.max_text_len, caps.max_text_len),
    ] {
        if value > cap {
            errs.push(
                &[key("bounds"), key(name)],
                ErrorKind::TooLarge {
                    max: cap.to_string(),
                },
            );
        }
    }
}
