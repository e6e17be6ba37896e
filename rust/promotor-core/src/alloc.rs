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
    let mut rems: Vec<(i128, usize)> = Vec::with_capacity(n);
    let mut given: i128 = 0;
    // Carts of ordinary size: `total * a` fits in 64 bits, and 64-bit division is many times
    // cheaper than 128-bit.
    let narrow = u32::try_from(sum).is_ok();
    for (i, a) in amounts.iter().enumerate() {
        let a = (*a).max(0);
        let (share, rem) = if narrow {
            // total <= sum < 2^32 and a <= sum, so the product fits.
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            let (t, x, s) = (total as u64, a as u64, sum as u64);
            let p = t * x;
            (i128::from(p / s), i128::from(p % s))
        } else {
            // total * a fits for any validated cart; on absurd amounts fall back to an
            // approximation (the fill below still makes the shares sum exactly to `total`).
            match total.checked_mul(a) {
                Some(p) => (p / sum, p % sum),
                None => (
                    (a / sum)
                        .saturating_mul(total)
                        .saturating_add(a % sum / (sum / total).max(1)),
                    0,
                ),
            }
        };
        let share = share.min(a);
        shares[i] = share;
        given += share;
        rems.push((rem, i));
    }
    let mut left = total - given;
    if left <= 0 {
        return shares;
    }
    // Largest remainder first, ties to the lower index.
    rems.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    for &(_, i) in &rems {
        if left <= 0 {
            break;
        }
        if shares[i] < amounts[i].max(0) {
            shares[i] += 1;
            left -= 1;
        }
    }
    // Only when a line was full: what it could not take goes to the others, in the same order.
    for &(_, i) in &rems {
        if left <= 0 {
            break;
        }
        let take = (amounts[i].max(0) - shares[i]).min(left);
        shares[i] += take;
        left -= take;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::largest_remainder;

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
