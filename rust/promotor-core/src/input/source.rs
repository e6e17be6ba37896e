//! What the validator reads through. A source answers "what is this value?" in the few shapes
//! an input has (null, text, number, instant, list, object); the validator decides what is
//! allowed, with every bound and message defined once (pydantic-core's `trait Input`,
//! `src/input/input_abstract.rs`, plays the same part).
//!
//! Implementations: Python objects (in the binding), JSON values ([`super::json`]) and the rows
//! of Arrow tables ([`super::arrow`]).

use std::borrow::Cow;

use crate::error::Loc;

/// The objects of an input. Sources that have a class per object (the pydantic models) use it
/// to accept their instances; messages use it to say what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// The whole input: `cart`, `customer`, `context`, `codes`.
    Input,
    Cart,
    Item,
    Customer,
    Context,
    Metadata,
    ShippingMethod,
}

impl Object {
    /// The names of the object's fields, in the order of the validator's field lists.
    pub const fn fields(self) -> &'static [&'static str] {
        use super::validate::{
            CART_FIELDS, CONTEXT_FIELDS, CUSTOMER_FIELDS, INPUT_FIELDS, ITEM_FIELDS,
        };
        match self {
            Self::Input => INPUT_FIELDS,
            Self::Cart => CART_FIELDS,
            Self::Item => ITEM_FIELDS,
            Self::Customer => CUSTOMER_FIELDS,
            Self::Context => CONTEXT_FIELDS,
            Self::Metadata => &[],
            Self::ShippingMethod => super::shipping::METHOD_FIELDS,
        }
    }

    /// What a value of this object must be, for messages.
    pub const fn expected(self) -> &'static str {
        match self {
            Self::Input => "a dict with cart, customer, context and codes",
            Self::Cart => "a dict or Cart",
            Self::Item => "a dict or Item",
            Self::Customer => "a dict or Customer",
            Self::Context => "a dict or Context",
            Self::Metadata => "a dict",
            Self::ShippingMethod => "a dict with a price",
        }
    }
}

/// A number as a source holds it; the validator makes it exact and checks its bounds.
#[derive(Debug, Clone, PartialEq)]
pub enum Number<'s> {
    /// `mantissa x 10^-scale`: integers (scale 0), decimal128 columns, minor units.
    Scaled(i128, i32),
    /// A binary float, read as the decimal its shortest text spells (6 places).
    Float(f64),
    /// Decimal text (`"12.50"`, `"1e3"`): Python `str` and `Decimal`, JSON strings.
    Text(Cow<'s, str>),
}

/// A point in time as a source holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instant<'s> {
    /// An aware date-time: microseconds since the epoch, UTC.
    Micros(i64),
    /// A date-time without a timezone.
    Naive,
    /// A calendar date: days since 1970-01-01.
    Date(i64),
    /// RFC 3339 text, or `YYYY-MM-DD`.
    Text(Cow<'s, str>),
}

/// A value read as metadata, where any JSON-like value is allowed.
#[derive(Debug, Clone, PartialEq)]
pub enum Meta<'s> {
    Null,
    Bool(bool),
    Number(Number<'s>),
    Text(&'s str),
    /// Read its elements with [`Source::elements`].
    List,
    /// Read its fields with [`Source::fields`].
    Map,
    /// A point in time (a Python `datetime` or `date`, an Arrow timestamp or date, a JSON
    /// `{"$ts": "2026-11-27T10:30:00Z"}`): a timestamp value, read as `created_at` is.
    Time(Instant<'s>),
}

/// Why a value cannot be read as what was asked (what it is instead: [`Source::got`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bad {
    /// It is something else.
    Type,
    /// Text that is not valid Unicode (a Python `str` with a lone surrogate).
    Unicode,
}

/// A key of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key<'k> {
    /// The `i`-th field of the object ([`Object::fields`]), for a source that recognises
    /// field names without reading them (Python's interned strings).
    Field(usize),
    Str(&'k str),
    /// Any other key (a Python `int`, a tuple): see [`Source::other_key`].
    Other,
    /// Text that is not valid Unicode.
    Unicode,
}

/// A source of input values. `Self` is one value; lists and objects hand out their parts.
pub trait Source: Sized {
    /// A key as the fields iterator yields it, read with [`Source::key`].
    type Key;
    type Fields: Iterator<Item = (Self::Key, Self)>;
    type Elements: ExactSizeIterator<Item = Self>;

    fn key(key: &Self::Key) -> Key<'_>;

    /// How a key that is not text is located, and what it is (read only for errors).
    fn other_key(_key: &Self::Key) -> (Loc, String) {
        (Loc::key("?"), "?".to_owned())
    }

    /// Null, `None`, or a missing Arrow cell.
    fn is_null(&self) -> bool;

    /// What this value is, for messages: its type (`"list"`, `"bool"`), or a short quote.
    fn got(&self) -> String;

    fn text(&self) -> Result<&str, Bad>;

    fn number(&self) -> Result<Number<'_>, Bad>;

    fn instant(&self) -> Result<Instant<'_>, Bad>;

    fn meta(&self) -> Result<Meta<'_>, Bad>;

    fn elements(&self) -> Result<Self::Elements, Bad>;

    /// The fields of an object (`of`: which object is expected).
    fn fields(&self, of: Object) -> Result<Self::Fields, Bad>;

    /// Metadata held as JSON text (an Arrow string column): the validator reads the parsed
    /// value with the JSON source instead. `Err` is the parser's message.
    fn json(&self) -> Option<Result<serde_json::Value, String>> {
        None
    }
}
