//! Numbers from input, whatever their source: exact decimals with at most 12 places and a
//! magnitude below 10^14 (docs/semantics.md, "Numbers"). Floats mean the decimal their shortest
//! text spells, rounded half-even to 6 places, so 19.99 is 19.99.

use rust_decimal::Decimal;

use super::source::Number;
use crate::error::ErrorKind;
use crate::num::{self, MAX_SCALE};

/// Places a float keeps.
pub const FLOAT_PLACES: u32 = 6;
/// The bound on every number's magnitude, as messages write it.
pub const LIMIT: &str = "10^14";
/// Digits of the integer part a number may have.
const INT_DIGITS: i64 = 14;

/// Why a number cannot be read (small, so that reading a number moves little; the error
/// the validator reports is made from it only when needed: [`NumError::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumError {
    /// Text that is no number.
    NotANumber,
    NotFinite,
    OutOfRange,
}

impl NumError {
    /// The error of reading `n`.
    pub fn kind(self, n: &Number<'_>) -> ErrorKind {
        match self {
            Self::NotANumber => ErrorKind::TypeMismatch {
                expected: "a number".to_owned(),
                got: match n {
                    Number::Text(t) => quote(t),
                    _ => "a number".to_owned(),
                },
            },
            Self::NotFinite => ErrorKind::NotFinite,
            Self::OutOfRange => ErrorKind::OutOfRange {
                limit: LIMIT.to_owned(),
            },
        }
    }
}

const fn out_of_range() -> NumError {
    NumError::OutOfRange
}

/// `n` as an exact decimal: rounded half-even to 12 places (6 for floats), the magnitude checked.
/// Decimals keep their scale (`12.50` stays `12.50`); floats are written without trailing zeros.
#[inline]
pub fn exact(n: &Number<'_>) -> Result<Decimal, NumError> {
    match n {
        Number::Scaled(m, scale) => scaled(*m, *scale),
        Number::Float(f) => float(*f),
        Number::Text(t) => text(t),
    }
}

/// `mantissa x 10^-scale`.
pub fn scaled(mantissa: i128, scale: i32) -> Result<Decimal, NumError> {
    if scale < 0 {
        let m = num::pow10(scale.unsigned_abs())
            .and_then(|p| mantissa.checked_mul(p))
            .ok_or_else(out_of_range)?;
        return num::make(m, 0).ok_or_else(out_of_range);
    }
    let scale = scale.unsigned_abs();
    // Beyond 38 + 12 places an i128 mantissa rounds to zero.
    if scale > 50 {
        return Ok(Decimal::new(0, MAX_SCALE));
    }
    let d = if scale > 38 {
        // Two steps, as 10^(scale - 12) does not fit an i128.
        let m = num::div_half_even(mantissa, num::pow10(scale - 38).unwrap_or(1)).unwrap_or(0);
        num::make(m, 38)
    } else {
        num::make(mantissa, scale)
    };
    d.map(positive_zero).ok_or_else(out_of_range)
}

fn positive_zero(d: Decimal) -> Decimal {
    if d.is_zero() && d.is_sign_negative() {
        Decimal::new(0, d.scale())
    } else {
        d
    }
}

/// A float as the decimal its shortest round-trip text spells, rounded half-even to 6 places;
/// whole numbers without places, others without trailing zeros (as Python's
/// `Decimal(repr(f))` normalised).
pub fn float(v: f64) -> Result<Decimal, NumError> {
    if !v.is_finite() {
        return Err(NumError::NotFinite);
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v);
    let (mant, exp) = match text.find(['e', 'E']) {
        Some(p) => (&text[..p], text[p + 1..].parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let neg = mant.starts_with('-');
    let mant = mant.trim_start_matches('-');
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let mut m: i128 = 0;
    for c in int.bytes().chain(frac.bytes()) {
        m = m * 10 + i128::from(c - b'0');
    }
    let exp = exp - frac.len() as i32;
    let (m, scale) = if exp >= 0 {
        if exp > 20 && m != 0 {
            return Err(out_of_range());
        }
        let p = num::pow10(exp.unsigned_abs()).ok_or_else(out_of_range)?;
        (m.checked_mul(p).ok_or_else(out_of_range)?, 0)
    } else {
        let scale = exp.unsigned_abs();
        if scale > FLOAT_PLACES {
            let cut = scale - FLOAT_PLACES;
            let m = if cut > 38 {
                0
            } else {
                num::div_half_even(m, num::pow10(cut).unwrap_or(1)).unwrap_or(0)
            };
            (m, FLOAT_PLACES)
        } else {
            (m, scale)
        }
    };
    let d = num::make(if neg { -m } else { m }, scale).ok_or_else(out_of_range)?;
    Ok(positive_zero(if d.fract().is_zero() {
        d.trunc()
    } else {
        d.normalize()
    }))
}

/// Decimal text as Python's `Decimal(text)` reads it (surrounding whitespace, a sign, digits
/// with an optional point, an exponent; `NaN` and `Infinity` are not finite), made exact. The
/// scale is kept (`"12.50"`), except that a positive exponent gives a whole number (`"1e2"` is
/// `100`) and more than 12 places are rounded.
#[inline]
pub fn text(t: &str) -> Result<Decimal, NumError> {
    plain(t.as_bytes()).map_or_else(|| general(t), Ok)
}

/// `-?[0-9]{1,14}(\.[0-9]{1,12})?` in at most 18 digits, the usual shape of a price, read
/// without allocating and in 64-bit arithmetic (longer texts take [`general`]).
fn plain(b: &[u8]) -> Option<Decimal> {
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let (mut m, mut int, mut frac, mut point) = (0u64, 0u32, 0u32, false);
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(c - b'0');
                if point {
                    frac += 1;
                } else {
                    int += 1;
                }
                if int > 14 || frac > MAX_SCALE || int + frac > 18 {
                    return None;
                }
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if int == 0 || point && frac == 0 {
        return None;
    }
    let m = i64::try_from(m).ok()?;
    // "-0.00" is zero without a sign, as `positive_zero` makes every other zero.
    Some(Decimal::new(if neg { -m } else { m }, frac))
}

fn general(t: &str) -> Result<Decimal, NumError> {
    let not_a_number = || NumError::NotANumber;
    let s = t.trim();
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let lower = body.to_ascii_lowercase();
        if matches!(lower.as_str(), "inf" | "infinity") {
            return Err(NumError::NotFinite);
        }
        let payload = lower.strip_prefix('s').unwrap_or(&lower);
        if let Some(digits) = payload.strip_prefix("nan") {
            if digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(NumError::NotFinite);
            }
        }
        return Err(not_a_number());
    }
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(p) => {
            let e = &body[p + 1..];
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(not_a_number());
            }
            // An absurd exponent: anything nonzero is out of range or rounds to zero.
            let e: i64 = e.parse().unwrap_or(if e.starts_with('-') {
                -100_000
            } else {
                100_000
            });
            (&body[..p], e)
        }
        None => (body, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(not_a_number());
    }
    // value = digits x 10^power
    let power = exp - frac.len() as i64;
    let digits: Vec<u8> = int
        .bytes()
        .chain(frac.bytes())
        .skip_while(|&b| b == b'0')
        .map(|b| b - b'0')
        .collect();
    let scale = u32::try_from((-power).clamp(0, i64::from(MAX_SCALE))).unwrap_or(MAX_SCALE);
    if digits.is_empty() {
        return Ok(Decimal::new(0, scale));
    }
    if digits.len() as i64 + power > INT_DIGITS {
        return Err(out_of_range());
    }
    // Keep the digits at or above 10^-scale; round the rest away, half to even.
    let keep = digits.len() as i64 + power + i64::from(scale);
    let keep = usize::try_from(keep.max(0)).unwrap_or(0).min(digits.len());
    let mut m: i128 = 0;
    for &d in &digits[..keep] {
        m = m * 10 + i128::from(d);
    }
    if power > 0 {
        m *= num::pow10(u32::try_from(power).unwrap_or(0)).ok_or_else(out_of_range)?;
    }
    let rest = &digits[keep..];
    if let Some((&first, tail)) = rest.split_first() {
        let up = first > 5 || first == 5 && (tail.iter().any(|&d| d != 0) || m % 2 == 1);
        if up {
            m += 1;
        }
    }
    let d = num::make(if neg { -m } else { m }, scale).ok_or_else(out_of_range)?;
    Ok(positive_zero(d))
}

/// A short quote of text for messages: at most 40 characters.
pub fn quote(t: &str) -> String {
    let short: String = t.chars().take(40).collect();
    format!("'{short}'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::d;

    #[test]
    fn floats_read_as_python_reads_them() {
        assert_eq!(float(19.99).unwrap().to_string(), "19.99");
        assert_eq!(float(1.0 / 3.0).unwrap(), d("0.333333"));
        assert_eq!(float(1e3).unwrap().to_string(), "1000");
        assert_eq!(float(2.0).unwrap().to_string(), "2");
        assert_eq!(float(20.0).unwrap().to_string(), "20");
        assert_eq!(float(0.000_000_5).unwrap(), d("0"));
        assert_eq!(float(0.000_001_5).unwrap(), d("0.000002"));
        assert_eq!(float(1e-300).unwrap(), d("0"));
        assert_eq!(float(-0.0).unwrap().to_string(), "0");
        assert_eq!(float(1e14), Err(NumError::OutOfRange));
        assert_eq!(float(f64::NAN), Err(NumError::NotFinite));
        assert_eq!(float(f64::INFINITY), Err(NumError::NotFinite));
    }

    #[test]
    fn text_reads_as_python_decimal_made_exact() {
        for (t, want) in [
            ("12.50", "12.50"),
            (" 12.5 ", "12.5"),
            ("1e2", "100"),
            ("1E+3", "1000"),
            ("0.00", "0.00"),
            ("-0", "0"),
            ("+7", "7"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1.0000000000005", "1.000000000000"),
            ("1.0000000000015", "1.000000000002"),
            ("1.0000000000025", "1.000000000002"),
            ("1.00000000000250001", "1.000000000003"),
            ("1e-60", "0.000000000000"),
            ("99999999999999.99", "99999999999999.99"),
            ("-3.1", "-3.1"),
            ("0.0000000000005", "0.000000000000"),
            ("0.0000000000015", "0.000000000002"),
        ] {
            assert_eq!(text(t).unwrap().to_string(), want, "{t}");
        }
        for t in ["NaN", "-inf", "Infinity", "snan", "nan12"] {
            assert_eq!(text(t), Err(NumError::NotFinite), "{t}");
        }
        for t in ["", "abc", "1_000", "1e", "--1", "1.2.3", ".", "e5", "nanx"] {
            assert_eq!(text(t), Err(NumError::NotANumber), "{t}");
        }
        for t in [
            "100000000000000",
            "1e14",
            "-1e20",
            "99999999999999.9999999999999",
        ] {
            assert_eq!(text(t), Err(NumError::OutOfRange), "{t}");
        }
        assert_eq!(text("1e99999999999999999999").unwrap_err(), out_of_range());
        assert_eq!(
            text("1e-99999999999999999999").unwrap().to_string(),
            "0.000000000000"
        );
    }

    #[test]
    fn scaled_numbers_round_to_twelve_places() {
        assert_eq!(scaled(2000, 2).unwrap().to_string(), "20.00");
        assert_eq!(scaled(25, -1).unwrap().to_string(), "250");
        assert_eq!(scaled(1, 40).unwrap(), d("0"));
        assert_eq!(scaled(15, 13).unwrap().to_string(), "0.000000000002");
        assert!(scaled(100_000_000_000_000, 0).is_err());
        assert!(scaled(1, -20).is_err());
    }
}
