//! promotor's core: the rule language, the compiler and the evaluator. No Python here; the
//! binding in `rust/promotor-py` only converts values and errors.
pub mod input;
pub mod ir;
pub mod outcome;
pub mod syntax;
