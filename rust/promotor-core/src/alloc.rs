//! Allocation of a discount over lines by largest remainder, in integer minor units.

/// Splits `total` over lines with current amounts `amounts` (all >= 0) in proportion to them:
/// each line first gets `floor(total * a_i / A)`, then the units left go one each to the lines
/// with the largest remainders `(total * a_i) mod A`, ties to the lower index. No share exceeds
/// its line's amount; what a full line cannot take moves to the others. `total` is clamped to
/// `[0, A]`.
pub fn largest_remainder(total: i128, amounts: &[i128]) -> Vec<i128> {
    let n = amounts.len();
    let mut shares = vec![0i128; n];
    let sum: i128 = amounts
        .iter()
        .map(|a| (*a).max(0))
        .fold(0i128, i128::saturating_add);
    let total = total.clamp(0, sum);
    if total == 0 || sum == 0 {
        return shares;
    }
    if total == sum {
        for (s, a) in shares.iter_mut().zip(amounts) {
            *s = (*a).max(0);
        }
        return shares;
    }
    if u32::try_from(sum).is_ok() && u32::try_from(n).is_ok() {
        narrow(total, sum, amounts, &mut shares);
    } else {
        wide(total, sum, amounts, &mut shares);
    }
    shares
}

/// Ordinary carts (`sum < 2^32` minor units; `sum` is that of the non-negative amounts): `total * a` fits in 64 bits, and each remainder
/// with its line index packs into one `u64` key, so the ranking is a sort of integers.
#[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
fn narrow(total: i128, sum: i128, amounts: &[i128], shares: &mut [i128]) {
    let (total, sum) = (total as u64, sum as u64);
    let mut given = 0u64;
    // Largest remainder first, ties to the lower index: key = rem << 32 | !index. Carts of up
    // to 64 lines rank on the stack.
    let mut small = [0u64; 64];
    let mut large = Vec::new();
    let keys: &mut [u64] = if amounts.len() <= small.len() {
        &mut small[..amounts.len()]
    } else {
        large.resize(amounts.len(), 0);
        &mut large
    };
    for (i, a) in amounts.iter().enumerate() {
        let a = (*a).max(0) as u64;
        let p = total * a;
        let share = (p / sum).min(a);
        shares[i] = i128::from(share);
        given += share;
        keys[i] = ((p % sum) << 32) | u64::from(!(i as u32));
    }
    let left = total - given;
    if left == 0 {
        return;
    }
    keys.sort_unstable();
    let order = keys.iter().rev().map(|k| !(*k as u32) as usize);
    fill(i128::from(left), amounts, shares, order);
}

/// Any amounts: 128-bit arithmetic, and an approximation where `total * a` would overflow (the
/// fill still makes the shares sum exactly to `total`).
fn wide(total: i128, sum: i128, amounts: &[i128], shares: &mut [i128]) {
    let mut rems: Vec<(i128, usize)> = Vec::with_capacity(amounts.len());
    let mut given: i128 = 0;
    for (i, a) in amounts.iter().enumerate() {
        let a = (*a).max(0);
        let (share, rem) = match total.checked_mul(a) {
            Some(p) => (p / sum, p % sum),
            None => (
                (a / sum)
                    .saturating_mul(total)
                    .saturating_add(a % sum / (sum / total).max(1)),
                0,
            ),
        };
        let share = share.min(a);
        shares[i] = share;
        given += share;
        rems.push((rem, i));
    }
    let left = total - given;
    if left <= 0 {
        return;
    }
    rems.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    fill(left, amounts, shares, rems.iter().map(|(_, i)| *i));
}

/// Hands out the `left` units in `order`: one each to lines with room, then (only when a line
/// was full) what is still left to the others, in the same order.
fn fill(
    mut left: i128,
    amounts: &[i128],
    shares: &mut [i128],
    order: impl Iterator<Item = usize> + Clone,
) {
    for i in order.clone() {
        if left <= 0 {
            return;
        }
        if shares[i] < amounts[i].max(0) {
            shares[i] += 1;
            left -= 1;
        }
    }
    for i in order {
        if left <= 0 {
            return;
        }
        let take = (amounts[i].max(0) - shares[i]).min(left);
        shares[i] += take;
        left -= take;
    }
}

#[cfg(test)]
mod tests {
    use super::{largest_remainder, narrow, wide};

    #[test]
    fn the_64_bit_path_agrees_with_the_128_bit_one() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for _ in 0..20_000 {
            let n = 1 + next(12) as usize;
            let amounts: Vec<i128> = (0..n).map(|_| i128::from(next(5000)) - 100).collect();
            let sum: i128 = amounts.iter().map(|a| (*a).max(0)).sum();
            if sum == 0 {
                continue;
            }
            let total = 1 + i128::from(next(u64::try_from(sum).unwrap()));
            let (mut a, mut b) = (vec![0; n], vec![0; n]);
            narrow(total, sum, &amounts, &mut a);
            wide(total, sum, &amounts, &mut b);
            assert_eq!(a, b, "{total} over {amounts:?}");
            assert_eq!(a, largest_remainder(total, &amounts));
            assert_eq!(a.iter().sum::<i128>(), total.min(sum));
        }
    }

    #[test]
    fn ten_over_three_equal_lines() {
        assert_eq!(
            largest_remainder(1000, &[500, 500, 500]),
            vec![334, 333, 333]
        );
    }

    #[test]
    fn four_cents_over_three_units() {
        assert_eq!(largest_remainder(4, &[100, 100, 100]), vec![2, 1, 1]);
    }

    #[test]
    fn proportional_and_remainders() {
        assert_eq!(largest_remainder(100, &[100, 300]), vec![25, 75]);
        // 5/6 = 0.83, 10/6 = 1.67, 15/6 = 2.5: remainders 5, 4, 3
        assert_eq!(largest_remainder(5, &[1, 2, 3]), vec![1, 2, 2]);
        // clamped to the sum
        assert_eq!(largest_remainder(7, &[1, 2, 3]), vec![1, 2, 3]);
        assert_eq!(largest_remainder(0, &[1, 2]), vec![0, 0]);
        assert_eq!(largest_remainder(5, &[]), Vec::<i128>::new());
        assert_eq!(largest_remainder(5, &[0, 0]), vec![0, 0]);
    }

    #[test]
    fn never_over_a_line_and_sums_exactly() {
        assert_eq!(largest_remainder(10, &[1, 9]), vec![1, 9]);
        assert_eq!(largest_remainder(99, &[1, 9]), vec![1, 9]);
        let s = largest_remainder(9, &[3, 0, 7]);
        assert_eq!(s.iter().sum::<i128>(), 9);
        assert!(s[0] <= 3 && s[1] == 0 && s[2] <= 7);
    }
}
