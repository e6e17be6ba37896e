//! Currencies, rounding modes and minor units (docs/semantics.md, "Money").

use std::str::FromStr;

use iso_currency::{Currency, IntoEnumIterator};
use rust_decimal::Decimal;

use crate::ir::Rounding;
use crate::num::{self, RoundMode};

/// The ISO 4217 exponent (minor unit digits) of a currency code; `None` for unknown codes and
/// codes without a minor unit (e.g. `XAU`).
pub fn currency_exponent(code: &str) -> Option<u32> {
    Currency::from_str(code).ok()?.exponent().map(u32::from)
}

/// Every known currency code with its exponent, sorted by code.
pub fn currencies() -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = Currency::iter()
        .filter_map(|c| c.exponent().map(|e| (c.code().to_owned(), u32::from(e))))
        .collect();
    out.sort();
    out
}

pub const fn round_mode(r: Rounding) -> RoundMode {
    match r {
        Rounding::HalfEven => RoundMode::HalfEven,
        Rounding::HalfUp => RoundMode::HalfUp,
        Rounding::Down => RoundMode::Down,
    }
}

/// A decimal amount as an integer of minor units, rounded with `mode`.
pub fn to_minor(amount: Decimal, exponent: u32, mode: RoundMode) -> Option<i128> {
    let m = amount.mantissa();
    let s = amount.scale();
    if s <= exponent {
        m.checked_mul(num::pow10(exponent - s)?)
    } else {
        num::div_round(m, num::pow10(s - exponent)?, mode)
    }
}

/// `amount x quantity` in minor units, rounded once with `mode`.
pub fn line_minor(price: Decimal, quantity: u32, exponent: u32, mode: RoundMode) -> Option<i128> {
    let m = price.mantissa().checked_mul(i128::from(quantity))?;
    let s = price.scale();
    if s <= exponent {
        m.checked_mul(num::pow10(exponent - s)?)
    } else {
        num::div_round(m, num::pow10(s - exponent)?, mode)
    }
}

/// Minor units back to a `Decimal` with scale == exponent (saturating on absurd magnitudes).
pub fn from_minor(minor: i128, exponent: u32) -> Decimal {
    Decimal::try_from_i128_with_scale(minor, exponent).unwrap_or(if minor < 0 {
        Decimal::MIN
    } else {
        Decimal::MAX
    })
}

/// A decimal as text with its digits and scale (`-12.50`, `0.05`, `7`; no sign on zero),
/// written into `buf` without allocating.
pub fn decimal_text(d: Decimal, buf: &mut [u8; 64]) -> &str {
    let mut m = d.mantissa().unsigned_abs();
    let scale = d.scale() as usize;
    let mut i = buf.len();
    let mut digits = 0usize;
    loop {
        i -= 1;
        buf[i] = b'0' + u8::try_from(m % 10).unwrap_or(0);
        m /= 10;
        digits += 1;
        if digits == scale {
            i -= 1;
            buf[i] = b'.';
        }
        if m == 0 && digits > scale {
            break;
        }
    }
    if d.is_sign_negative() && !d.is_zero() {
        i -= 1;
        buf[i] = b'-';
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::d;

    #[test]
    fn exponents() {
        assert_eq!(currency_exponent("USD"), Some(2));
        assert_eq!(currency_exponent("JPY"), Some(0));
        assert_eq!(currency_exponent("KWD"), Some(3));
        assert_eq!(currency_exponent("XXX"), None);
        assert_eq!(currency_exponent("usd"), None);
        assert!(currencies().iter().any(|(c, e)| c == "EUR" && *e == 2));
    }

    #[test]
    fn minor_units_with_modes() {
        assert_eq!(to_minor(d("4.995"), 2, RoundMode::HalfEven), Some(500));
        assert_eq!(to_minor(d("4.985"), 2, RoundMode::HalfEven), Some(498));
        assert_eq!(to_minor(d("4.985"), 2, RoundMode::HalfUp), Some(499));
        assert_eq!(to_minor(d("4.989"), 2, RoundMode::Down), Some(498));
        assert_eq!(to_minor(d("-4.989"), 2, RoundMode::Down), Some(-498));
        assert_eq!(to_minor(d("4"), 3, RoundMode::Down), Some(4000));
        assert_eq!(to_minor(d("12.5"), 0, RoundMode::HalfEven), Some(12));
        assert_eq!(line_minor(d("0.333"), 3, 2, RoundMode::HalfEven), Some(100));
        assert_eq!(line_minor(d("0.335"), 1, 2, RoundMode::HalfEven), Some(34));
        assert_eq!(from_minor(1250, 3).to_string(), "1.250");
        assert_eq!(from_minor(5, 0).to_string(), "5");
    }

    #[test]
    fn decimal_text_keeps_digits_and_scale() {
        let mut buf = [0u8; 64];
        for s in [
            "0",
            "7",
            "-7",
            "12.50",
            "0.05",
            "-0.05",
            "0.000",
            "123456789012.123456789012",
        ] {
            assert_eq!(decimal_text(d(s), &mut buf), s);
        }
        for x in [
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
            Decimal::new(-1, 28),
        ] {
            assert_eq!(decimal_text(x, &mut buf), x.to_string());
        }
        assert_eq!(decimal_text(-d("0.00"), &mut buf), "0.00");
    }
}
