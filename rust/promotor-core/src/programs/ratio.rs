//! Exact fractions for loyalty's points (`points x amount / per x multipliers`), in 64-bit
//! machine arithmetic where the numbers fit (they almost always do) and 128-bit otherwise.

use rust_decimal::Decimal;

/// An exact fraction, for `points x amount / per x multipliers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    pub num: i128,
    pub den: i128,
}

fn gcd(a: i128, b: i128) -> i128 {
    // Amounts, rates and multipliers are small: 64-bit division is one instruction where
    // 128-bit division is a library call, and an order's points take a dozen of them.
    if let (Ok(mut x), Ok(mut y)) = (
        u64::try_from(a.unsigned_abs()),
        u64::try_from(b.unsigned_abs()),
    ) {
        while y != 0 {
            (x, y) = (y, x % y);
        }
        return i128::from(x);
    }
    let (mut a, mut b) = (a, b);
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    if a < 0 {
        -a
    } else {
        a
    }
}

/// `a * b`, `None` on an overflow; one machine multiplication when both fit in 64 bits
/// (their product then always fits in 128).
fn mul(a: i128, b: i128) -> Option<i128> {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(x), Ok(y)) => Some(i128::from(x) * i128::from(y)),
        _ => a.checked_mul(b),
    }
}

/// `a / b` (truncated, as `/`), in 64 bits when both fit.
fn div(a: i128, b: i128) -> i128 {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(x), Ok(y)) if y != -1 => i128::from(x / y),
        _ => a / b,
    }
}

impl Ratio {
    pub const ZERO: Self = Self { num: 0, den: 1 };
    pub const ONE: Self = Self { num: 1, den: 1 };

    pub fn of(d: Decimal) -> Self {
        Self::reduced(d.mantissa(), 10i128.pow(d.scale()))
    }

    fn reduced(num: i128, den: i128) -> Self {
        let g = gcd(num, den).max(1);
        let (n, d) = (div(num, g), div(den, g));
        if d < 0 {
            Self { num: -n, den: -d }
        } else {
            Self { num: n, den: d }
        }
    }

    pub fn times(self, o: Self) -> Option<Self> {
        // Most multipliers are 1 (no tier, no bonus rule): nothing to reduce.
        if o == Self::ONE {
            return Some(self);
        }
        if self == Self::ONE {
            return Some(o);
        }
        let g1 = gcd(self.num, o.den).max(1);
        let g2 = gcd(o.num, self.den).max(1);
        let num = mul(div(self.num, g1), div(o.num, g2))?;
        let den = mul(div(self.den, g2), div(o.den, g1))?;
        Some(Self::reduced(num, den))
    }

    pub fn over(self, o: Self) -> Option<Self> {
        if o.num == 0 {
            return None;
        }
        self.times(Self {
            num: o.den,
            den: o.num,
        })
        .map(|r| Self::reduced(r.num, r.den))
    }

    pub fn plus(self, o: Self) -> Option<Self> {
        let g = gcd(self.den, o.den).max(1);
        let den = mul(div(self.den, g), o.den)?;
        let num = mul(self.num, div(o.den, g))?.checked_add(mul(o.num, div(self.den, g))?)?;
        Some(Self::reduced(num, den))
    }

    /// Rounded towards minus infinity.
    pub fn floor(self) -> i128 {
        self.num.div_euclid(self.den)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_64_bit_paths_answer_as_128_bit_arithmetic_does() {
        let big = i128::from(i64::MAX) + 1;
        let values = [
            0,
            1,
            -1,
            7,
            -12,
            2050,
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            big,
            -big,
            i128::MAX,
            i128::MIN + 1,
        ];
        let reference_gcd = |mut a: i128, mut b: i128| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a.abs()
        };
        for a in values {
            for b in values {
                assert_eq!(gcd(a, b), reference_gcd(a, b), "gcd({a}, {b})");
                assert_eq!(mul(a, b), a.checked_mul(b), "{a} * {b}");
                if b != 0 && !(a == i128::MIN && b == -1) {
                    assert_eq!(div(a, b), a / b, "{a} / {b}");
                }
            }
        }
        // 20.50 at double points: 41.
        let r = Ratio::of(Decimal::new(2050, 2)).times(Ratio::of(Decimal::TWO));
        assert_eq!(r.map(Ratio::floor), Some(41));
    }
}
