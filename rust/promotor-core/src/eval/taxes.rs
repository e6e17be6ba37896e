//! Taxes (docs/semantics.md, "Taxes"): a cart's lines and shipping methods may carry a tax
//! rate; prices are given including or excluding tax (`EngineDef::prices_include_tax`), and
//! every discount is computed on the prices as given. This converts each line's and method's
//! amounts to the other basis, line by line with its own rate, rounded once per amount with
//! the engine's mode, so that both bases add up exactly.

use rust_decimal::Decimal;

use crate::money::from_minor;
use crate::num::{div_round, pow10, RoundMode};
use crate::outcome::{TaxLine, Taxes};

/// One line or method in the basis it was given: its amount before and after discounts.
pub struct Given {
    pub index: usize,
    pub rate: Option<Decimal>,
    pub subtotal: i128,
    pub total: i128,
}

/// `a` (minor units, in the given basis) in the other basis at `rate` percent: net from
/// gross `a × 100 / (100 + r)`, gross from net `a × (100 + r) / 100`, rounded once.
fn convert(a: i128, rate: Decimal, include: bool, mode: RoundMode) -> Option<i128> {
    let scale = pow10(rate.scale())?;
    let hundred = 100i128.checked_mul(scale)?;
    let whole = hundred.checked_add(rate.mantissa())?;
    if include {
        div_round(a.checked_mul(hundred)?, whole, mode)
    } else {
        div_round(a.checked_mul(whole)?, hundred, mode)
    }
}

/// One line's (or method's) amounts both ways; `None` without a rate.
fn line(g: &Given, include: bool, mode: RoundMode) -> Option<[i128; 4]> {
    let rate = g.rate?;
    let (sub_other, total_other) = (
        convert(g.subtotal, rate, include, mode)?,
        convert(g.total, rate, include, mode)?,
    );
    Some(if include {
        [sub_other, total_other, g.subtotal, g.total]
    } else {
        [g.subtotal, g.total, sub_other, total_other]
    })
}

fn tax_line(g: &Given, a: [i128; 4], exponent: u32) -> TaxLine {
    let [sn, tn, sg, tg] = a;
    TaxLine {
        index: g.index,
        rate: g.rate.unwrap_or_default(),
        subtotal_net: from_minor(sn, exponent),
        subtotal_gross: from_minor(sg, exponent),
        discount_net: from_minor(sn - tn, exponent),
        discount_gross: from_minor(sg - tg, exponent),
        total_net: from_minor(tn, exponent),
        total_gross: from_minor(tg, exponent),
        tax: from_minor(tg - tn, exponent),
    }
}

/// The cart's taxes, when any line or method has a rate; order sums only when all do.
pub fn taxes(
    lines: &[Given],
    methods: &[Given],
    include: bool,
    mode: RoundMode,
    exponent: u32,
) -> Option<Taxes> {
    if lines.iter().chain(methods).all(|g| g.rate.is_none()) {
        return None;
    }
    let mut out = Taxes {
        prices_include_tax: include,
        lines: Vec::new(),
        shipping_methods: Vec::new(),
        subtotal_net: None,
        subtotal_gross: None,
        shipping_net: None,
        shipping_gross: None,
        discount_net: None,
        discount_gross: None,
        total_net: None,
        total_gross: None,
        tax: None,
    };
    // [subtotal net, subtotal gross, shipping net, shipping gross, total net, total gross]
    let mut sums = [0i128; 6];
    let mut complete = true;
    for (g, is_line) in lines
        .iter()
        .map(|g| (g, true))
        .chain(methods.iter().map(|g| (g, false)))
    {
        let Some(a) = line(g, include, mode) else {
            complete = false;
            continue;
        };
        let k = if is_line { 0 } else { 2 };
        sums[k] += a[0];
        sums[k + 1] += a[2];
        sums[4] += a[1];
        sums[5] += a[3];
        let t = tax_line(g, a, exponent);
        if is_line {
            out.lines.push(t);
        } else {
            out.shipping_methods.push(t);
        }
    }
    if complete {
        let m = |v: i128| Some(from_minor(v, exponent));
        let [sn, sg, hn, hg, tn, tg] = sums;
        out.subtotal_net = m(sn);
        out.subtotal_gross = m(sg);
        out.shipping_net = m(hn);
        out.shipping_gross = m(hg);
        out.discount_net = m(sn + hn - tn);
        out.discount_gross = m(sg + hg - tg);
        out.total_net = m(tn);
        out.total_gross = m(tg);
        out.tax = m(tg - tn);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(rate: &str, subtotal: i128, total: i128) -> Given {
        Given {
            index: 0,
            rate: Some(rate.parse().unwrap()),
            subtotal,
            total,
        }
    }

    #[test]
    fn ten_percent_off_prices_including_20_percent_vat() {
        // 120.00 gross, 10% off: 108.00 gross; net 100.00 and 90.00, VAT 18.00
        let t = taxes(&[g("20", 12000, 10800)], &[], true, RoundMode::HalfEven, 2).unwrap();
        assert_eq!(t.total_net, Some(Decimal::new(9000, 2)));
        assert_eq!(t.discount_net, Some(Decimal::new(1000, 2)));
        assert_eq!(t.tax, Some(Decimal::new(1800, 2)));
    }

    #[test]
    fn net_prices_gain_their_tax() {
        // 9.99 net at 7%: 10.6893 -> 10.69 gross
        let t = taxes(&[g("7", 999, 999)], &[], false, RoundMode::HalfEven, 2).unwrap();
        assert_eq!(t.total_gross, Some(Decimal::new(1069, 2)));
        assert_eq!(t.tax, Some(Decimal::new(70, 2)));
    }

    #[test]
    fn a_line_without_a_rate_leaves_the_order_sums_unknown() {
        let lines = [
            g("20", 1200, 1200),
            Given {
                index: 1,
                rate: None,
                subtotal: 500,
                total: 500,
            },
        ];
        let t = taxes(&lines, &[], true, RoundMode::HalfEven, 2).unwrap();
        assert_eq!(t.lines.len(), 1);
        assert_eq!(t.total_net, None);
    }
}
