//! Codes (DESIGN section 9): patterns, charsets, generation with a CSPRNG, and the one
//! normalisation every reader of a code uses.
//!
//! Pools, assignment and wallets live with the stores (section 8); what is here is stateless.

pub mod charset;
pub mod generator;
pub mod normalize;
pub mod pattern;
pub mod pool;

pub use generator::{generate, Codes, Generator, Spec, MAX_COUNT, MIN_GUESS_BITS};
pub use normalize::{key, key_with};
