//! The compile-time bounds of a rule (docs/semantics.md, "Rule bounds"): its shape (nesting
//! depth, node count, printed length), checked on the IR before anything else, and its
//! worst-case work, which [`super::expr::Env`] adds up node by node as it types the rule, since
//! the work of a node depends on its operands' types and sizes.

use crate::error::ErrorKind;
use crate::ir::{Expr, RuleBounds};
use crate::syntax;

/// Input bounds the cost bound relies on (the input validator enforces them): lines in a cart,
/// elements in a list, and bytes in a string (10,000 characters of up to 4 bytes).
pub const MAX_LINES: u64 = 1000;
pub const MAX_LIST: u64 = 1000;
pub const MAX_STRING_BYTES: u64 = 4 * 10_000;

/// Bytes of string work (comparing, searching, copying, case mapping) one unit of cost stands
/// for; one unit is about the time of evaluating one node.
pub const BYTES_PER_UNIT: u64 = 16;

/// A regular expression scans its text a few times slower than a comparison.
pub const REGEX_SCAN_FACTOR: u64 = 4;

/// The cost of compiling a regular expression read from the input: one up to
/// [`super::literal::REGEX_SIZE_LIMIT`] compiled takes some 20-40 ms (measured in a release
/// build). Each distinct pattern is compiled once an evaluation.
pub const DYNAMIC_REGEX_COST: u64 = 1_000_000;

/// Units for `bytes` of string work.
pub const fn bytes(n: u64) -> u64 {
    n.div_ceil(BYTES_PER_UNIT)
}

/// Checks depth, node count and printed length; `Err` with the first bound crossed.
pub fn check_shape(e: &Expr, bounds: &RuleBounds) -> Result<(), ErrorKind> {
    let mut nodes: u64 = 0;
    let mut too_deep = false;
    measure(e, 1, bounds.max_depth, &mut nodes, &mut too_deep);
    if too_deep {
        return Err(ErrorKind::TooDeep {
            max: u64::from(bounds.max_depth),
        });
    }
    if nodes > u64::from(bounds.max_nodes) {
        return Err(ErrorKind::TooManyNodes {
            max: u64::from(bounds.max_nodes),
        });
    }
    let len = syntax::print(e).len();
    if len > bounds.max_text_len as usize {
        return Err(ErrorKind::TooLong {
            max: bounds.max_text_len as usize,
        });
    }
    Ok(())
}

fn measure(e: &Expr, depth: u32, max_depth: u32, nodes: &mut u64, too_deep: &mut bool) {
    if depth > max_depth {
        *too_deep = true;
        return;
    }
    *nodes += 1;
    e.for_each_child(|_, child| {
        if !*too_deep {
            measure(child, depth + 1, max_depth, nodes, too_deep);
        }
    });
}
