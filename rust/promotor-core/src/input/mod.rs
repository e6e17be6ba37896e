//! Evaluation input: the validated [`Input`] the evaluator reads, and the one validator that
//! builds it from any [`Source`] (Python objects in the binding, JSON, Arrow rows).
//!
//! Adding an input field touches `types.rs` (the field), `validate.rs` (its name in the field
//! list and how it is read), and the binding's conversion back to Python; the sources need
//! nothing unless the field has a new kind of value. See docs/architecture.md.

pub mod arrow;
mod errs;
pub mod json;
pub mod number;
mod shipping;
pub mod source;
mod types;
pub mod validate;
mod values;

pub use errs::{Errs, Path};
pub use shipping::{methods, Method, MAX_METHODS, METHOD_FIELDS};
pub use source::{Bad, Instant, Key, Meta, Number, Object, Source};
pub use types::{
    Cart, Context, Customer, Duration, Input, Item, Map, MetaValue, ShippingMethod, Text, Timestamp,
};
pub use validate::{
    call, fill, read, Call, CART_FIELDS, CONTEXT_FIELDS, CUSTOMER_FIELDS, INPUT_FIELDS,
    ITEM_FIELDS, MAX_DEPTH, MAX_ITEMS, MAX_LIST, MAX_QUANTITY, MAX_STRING,
};
