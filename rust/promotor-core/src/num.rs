//! Rule arithmetic on exact decimals (docs/semantics.md, "Numbers").
//!
//! Values are `rust_decimal::Decimal`s with at most [`MAX_SCALE`] places and magnitude below
//! 10^14. `+ -` are exact; `* /` are computed exactly in i128 mantissa arithmetic and rounded
//! half-even to 12 places (never with `rust_decimal`'s own `*`/`/`, whose internal rounding can
//! differ from the exact result). Any result of magnitude >= 10^14 is `None` (null).

use rust_decimal::Decimal;

/// Most decimal places of a rule number.
pub const MAX_SCALE: u32 = 12;
/// 10^14: the bound on the magnitude of a rule number.
const LIMIT: i128 = 100_000_000_000_000;

/// 10^n for n <= 38.
pub fn pow10(n: u32) -> Option<i128> {
    /// 10^0 ..= 10^38, every power of ten an i128 holds.
    const POW10: [i128; 39] = {
        let mut t = [1i128; 39];
        let mut i = 1;
        while i < t.len() {
            t[i] = t[i - 1] * 10;
            i += 1;
        }
        t
    };
    POW10.get(n as usize).copied()
}

/// `a` against `b` by value: mantissas aligned to the larger scale when that fits (the common
/// case: a few places each), else `Decimal`'s own comparison.
pub fn cmp(a: &Decimal, b: &Decimal) -> std::cmp::Ordering {
    let (sa, sb) = (a.scale(), b.scale());
    if sa == sb {
        return a.mantissa().cmp(&b.mantissa());
    }
    let s = sa.max(sb);
    let ma = pow10(s - sa).and_then(|p| a.mantissa().checked_mul(p));
    let mb = pow10(s - sb).and_then(|p| b.mantissa().checked_mul(p));
    match (ma, mb) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// Divides with rounding half to even.
pub fn div_half_even(n: i128, d: i128) -> Option<i128> {
    if d == 0 {
        return None;
    }
    let q = n.checked_div(d)?;
    let r = n.checked_rem(d)?;
    if r == 0 {
        return Some(q);
    }
    let twice = r.unsigned_abs().checked_mul(2)?;
    let dabs = d.unsigned_abs();
    let away = twice > dabs || (twice == dabs && q % 2 != 0);
    if !away {
        return Some(q);
    }
    let neg = (n < 0) != (d < 0);
    if neg {
        q.checked_sub(1)
    } else {
        q.checked_add(1)
    }
}

/// Builds a rule number from a mantissa and a scale, rounding to 12 places and applying the
/// magnitude bound.
pub fn make(mantissa: i128, scale: u32) -> Option<Decimal> {
    let (m, s) = if scale > MAX_SCALE {
        (
            div_half_even(mantissa, pow10(scale - MAX_SCALE)?)?,
            MAX_SCALE,
        )
    } else {
        (mantissa, scale)
    };
    if m.unsigned_abs() >= (LIMIT.checked_mul(pow10(s)?)?).unsigned_abs() {
        return None;
    }
    Decimal::try_from_i128_with_scale(m, s).ok()
}

/// Normalises a number coming from input: rounded half-even to 12 places; `None` when its
/// magnitude is 10^14 or more.
pub fn from_input(d: Decimal) -> Option<Decimal> {
    make(d.mantissa(), d.scale())
}

fn align(a: Decimal, b: Decimal) -> Option<(i128, i128, u32)> {
    let s = a.scale().max(b.scale());
    let ma = a.mantissa().checked_mul(pow10(s - a.scale())?)?;
    let mb = b.mantissa().checked_mul(pow10(s - b.scale())?)?;
    Some((ma, mb, s))
}

pub fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (ma, mb, s) = align(a, b)?;
    make(ma.checked_add(mb)?, s)
}

pub fn sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (ma, mb, s) = align(a, b)?;
    make(ma.checked_sub(mb)?, s)
}

pub fn neg(a: Decimal) -> Option<Decimal> {
    make(a.mantissa().checked_neg()?, a.scale())
}

/// Exact product rounded half-even to 12 places. An i128 overflow implies a magnitude of at
/// least 10^14 (both factors have at most 12 places), so it is null either way.
pub fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    let m = a.mantissa().checked_mul(b.mantissa())?;
    make(m, a.scale() + b.scale())
}

/// Exact quotient rounded half-even to 12 places; division by zero is null. The result is
/// normalised (no trailing zeros).
pub fn div(a: Decimal, b: Decimal) -> Option<Decimal> {
    if b.is_zero() {
        return None;
    }
    // a/b * 10^12 = ma * 10^(12 + sb - sa) / mb
    let e = i64::from(MAX_SCALE) + i64::from(b.scale()) - i64::from(a.scale());
    let (n, d) = if e >= 0 {
        (a.mantissa().checked_mul(pow10(e as u32)?)?, b.mantissa())
    } else {
        (a.mantissa(), b.mantissa().checked_mul(pow10((-e) as u32)?)?)
    };
    let q = div_half_even(n, d)?;
    make(q, MAX_SCALE).map(|d| d.normalize())
}

/// Truncated remainder with the sign of the dividend; by zero is null.
pub fn rem(a: Decimal, b: Decimal) -> Option<Decimal> {
    if b.is_zero() {
        return None;
    }
    let (ma, mb, s) = align(a, b)?;
    make(ma.checked_rem(mb)?, s)
}

/// Sums exactly, then applies the magnitude bound once.
pub fn sum<I: IntoIterator<Item = Decimal>>(values: I) -> Option<Decimal> {
    let mut acc: i128 = 0;
    let mut scale = 0u32;
    for v in values {
        let s = scale.max(v.scale());
        acc = acc.checked_mul(pow10(s - scale)?)?;
        let m = v.mantissa().checked_mul(pow10(s - v.scale())?)?;
        acc = acc.checked_add(m)?;
        scale = s;
    }
    make(acc, scale)
}

/// Direction of rounding to a number of places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundMode {
    HalfEven,
    HalfUp,
    Down,
    Floor,
    Ceil,
}

/// Divides `n` by `d` (d > 0 or d < 0) and rounds the quotient with `mode`.
pub fn div_round(n: i128, d: i128, mode: RoundMode) -> Option<i128> {
    if d == 0 {
        return None;
    }
    let (n, d) = if d < 0 {
        (n.checked_neg()?, d.checked_neg()?)
    } else {
        (n, d)
    };
    let q = n / d;
    let r = n % d;
    if r == 0 {
        return Some(q);
    }
    let twice = r.unsigned_abs().checked_mul(2)?;
    let dabs = d.unsigned_abs();
    let up = match mode {
        RoundMode::HalfEven => twice > dabs || (twice == dabs && q % 2 != 0),
        RoundMode::HalfUp => twice >= dabs,
        RoundMode::Down => false,
        RoundMode::Floor => n < 0,
        RoundMode::Ceil => n > 0,
    };
    if !up {
        Some(q)
    } else if n < 0 {
        q.checked_sub(1)
    } else {
        q.checked_add(1)
    }
}

/// Rounds a rule number to `places` (0..=12) decimal places.
pub fn round_to(a: Decimal, places: u32, mode: RoundMode) -> Option<Decimal> {
    if a.scale() <= places {
        return Some(a);
    }
    let m = div_round(a.mantissa(), pow10(a.scale() - places)?, mode)?;
    make(m, places)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::d;

    #[test]
    fn powers_and_comparison() {
        assert_eq!(pow10(0), Some(1));
        assert_eq!(pow10(38), 10i128.checked_pow(38));
        assert_eq!(pow10(39), None);
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        for (a, b) in [
            ("1.50", "1.5"),
            ("2", "1.99"),
            ("-3", "-3.001"),
            ("0", "-0.00"),
        ] {
            assert_eq!(cmp(&d(a), &d(b)), d(a).cmp(&d(b)), "{a} vs {b}");
            assert_eq!(cmp(&d(b), &d(a)), d(b).cmp(&d(a)), "{b} vs {a}");
        }
        let big = Decimal::MAX;
        assert_eq!(cmp(&big, &d("0.0000000001")), std::cmp::Ordering::Greater);
    }

    #[test]
    fn add_sub_exact() {
        assert_eq!(add(d("0.1"), d("0.2")), Some(d("0.3")));
        assert_eq!(sub(d("1"), d("0.000000000001")), Some(d("0.999999999999")));
        assert_eq!(add(d("99999999999999"), d("1")), None);
        assert_eq!(
            add(d("99999999999999"), d("0.5")).map(|x| x.to_string()),
            Some("99999999999999.5".into())
        );
    }

    #[test]
    fn mul_rounds_half_even() {
        assert_eq!(mul(d("0.000001"), d("0.0000005")), Some(d("0")));
        assert_eq!(
            mul(d("0.000001"), d("0.0000015")),
            Some(d("0.000000000002"))
        );
        assert_eq!(
            mul(d("0.000001"), d("0.0000025")),
            Some(d("0.000000000002"))
        );
        assert_eq!(
            mul(d("-0.000001"), d("0.0000025")),
            Some(d("-0.000000000002"))
        );
        assert_eq!(mul(d("12.5"), d("2")), Some(d("25.0")));
        assert_eq!(mul(d("10000000"), d("10000000")), None);
        assert_eq!(
            mul(
                d("99999999999999.999999999999"),
                d("99999999999999.999999999999")
            ),
            None
        );
        assert_eq!(mul(d("9999999"), d("10000000")), Some(d("99999990000000")));
    }

    #[test]
    fn div_rounds_half_even() {
        assert_eq!(div(d("1"), d("3")), Some(d("0.333333333333")));
        assert_eq!(div(d("2"), d("3")), Some(d("0.666666666667")));
        assert_eq!(div(d("0.000000000001"), d("2")), Some(d("0")));
        assert_eq!(div(d("0.000000000003"), d("2")), Some(d("0.000000000002")));
        assert_eq!(
            div(d("-0.000000000003"), d("2")),
            Some(d("-0.000000000002"))
        );
        assert_eq!(div(d("1"), d("0")), None);
        assert_eq!(div(d("1"), d("0.000000000001")), Some(d("1000000000000")));
        assert_eq!(div(d("100"), d("0.000000000001")), None);
        assert_eq!(div(d("99999999999999.999999999999"), d("0.5")), None);
        assert_eq!(div(d("10"), d("4")), Some(d("2.5")));
    }

    #[test]
    fn rem_sign_of_dividend() {
        assert_eq!(rem(d("-7"), d("3")), Some(d("-1")));
        assert_eq!(rem(d("7"), d("-3")), Some(d("1")));
        assert_eq!(rem(d("5.5"), d("2")), Some(d("1.5")));
        assert_eq!(rem(d("5"), d("0")), None);
    }

    #[test]
    fn rounding_modes() {
        assert_eq!(round_to(d("2.5"), 0, RoundMode::HalfEven), Some(d("2")));
        assert_eq!(round_to(d("3.5"), 0, RoundMode::HalfEven), Some(d("4")));
        assert_eq!(round_to(d("2.5"), 0, RoundMode::HalfUp), Some(d("3")));
        assert_eq!(round_to(d("-2.5"), 0, RoundMode::HalfUp), Some(d("-3")));
        assert_eq!(round_to(d("-2.7"), 0, RoundMode::Down), Some(d("-2")));
        assert_eq!(round_to(d("-2.1"), 0, RoundMode::Floor), Some(d("-3")));
        assert_eq!(round_to(d("2.1"), 0, RoundMode::Ceil), Some(d("3")));
        assert_eq!(
            round_to(d("2.125"), 2, RoundMode::HalfEven),
            Some(d("2.12"))
        );
        assert_eq!(round_to(d("2.1"), 5, RoundMode::HalfEven), Some(d("2.1")));
    }

    #[test]
    fn sums_and_inputs() {
        assert_eq!(sum([d("1.5"), d("2.25")]), Some(d("3.75")));
        assert_eq!(sum([]), Some(d("0")));
        assert_eq!(
            sum([d("99999999999999"), d("1"), d("-5")]),
            Some(d("99999999999995"))
        );
        assert_eq!(from_input(d("1.0000000000005")), Some(d("1.000000000000")));
        assert_eq!(from_input(d("100000000000000")), None);
    }
}
