//! The rows of Arrow tables as a [`Source`]: an orders table (one row per order, items nested
//! or in a lines table keyed by `order_id`) read as the inputs `Engine.evaluate` takes, through
//! the same validator (DESIGN.md section 6).
//!
//! [`ORDER_COLUMNS`] and [`LINE_COLUMNS`] say where each column goes; columns are checked once
//! per record batch (unknown names get a did-you-mean, types must fit), values row by row by the
//! validator. Its locations (`("customer", "created_at")`) are mapped back to the table's
//! (`("orders", 7, "customer_created_at")`).

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch, StructArray};

use crate::arrow::lines::Lines;
use crate::arrow::read::{Col, Keys, Lists};
use crate::error::{Error, ErrorKind, Loc};
use crate::input::source::Object;

/// The object a column belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Input,
    Cart,
    Customer,
    Context,
}

impl Part {
    /// The validator's object of this part.
    const fn object(self) -> Object {
        match self {
            Self::Input => Object::Input,
            Self::Cart => Object::Cart,
            Self::Customer => Object::Customer,
            Self::Context => Object::Context,
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Self::Input => "",
            Self::Cart => "cart",
            Self::Customer => "customer",
            Self::Context => "context",
        }
    }
}

/// The Arrow types a column of each kind of field may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Texts,
    Number,
    /// Integer minor units of the engine's currency.
    Minor,
    Instant,
    /// JSON text or a struct.
    Metadata,
    Items,
    /// Lists of shipping method structs.
    Methods,
}

impl Kind {
    const fn expected(self) -> &'static str {
        match self {
            Self::Text => "strings",
            Self::Texts => "lists of strings",
            Self::Number => "decimal, integer or float numbers",
            Self::Minor => "integer minor units",
            Self::Instant => "timestamps",
            Self::Metadata => "JSON text or a struct",
            Self::Items => "lists of item structs",
            Self::Methods => "lists of shipping method structs",
        }
    }

    fn fits(self, col: &Col<'_>) -> bool {
        match (self, col) {
            (_, Col::Null)
            | (Self::Text | Self::Metadata, Col::Str(_))
            | (Self::Number, Col::Int(_) | Col::Dec(..) | Col::F64(_) | Col::F32(_))
            | (Self::Minor, Col::Minor(..))
            | (Self::Instant, Col::Time(..) | Col::Date32(_) | Col::Date64(_))
            | (Self::Metadata, Col::Struct(..)) => true,
            (Self::Texts, Col::List(_, values)) => matches!(**values, Col::Str(_) | Col::Null),
            _ => false,
        }
    }
}

/// Where each column of an orders table goes: (column, object, field, kind).
pub const ORDER_COLUMNS: &[(&str, Part, &str, Kind)] = &[
    ("customer_id", Part::Customer, "id", Kind::Text),
    ("email", Part::Customer, "email", Kind::Text),
    ("segments", Part::Customer, "segments", Kind::Texts),
    ("orders_count", Part::Customer, "orders_count", Kind::Number),
    ("total_spent", Part::Customer, "total_spent", Kind::Number),
    (
        "customer_created_at",
        Part::Customer,
        "created_at",
        Kind::Instant,
    ),
    ("birthday", Part::Customer, "birthday", Kind::Instant),
    (
        "customer_metadata",
        Part::Customer,
        "metadata",
        Kind::Metadata,
    ),
    ("created_at", Part::Context, "now", Kind::Instant),
    ("channel", Part::Context, "channel", Kind::Text),
    ("country", Part::Context, "country", Kind::Text),
    (
        "context_metadata",
        Part::Context,
        "metadata",
        Kind::Metadata,
    ),
    ("items", Part::Cart, "items", Kind::Items),
    ("shipping", Part::Cart, "shipping", Kind::Number),
    ("shipping_minor", Part::Cart, "shipping", Kind::Minor),
    (
        "shipping_methods",
        Part::Cart,
        "shipping_methods",
        Kind::Methods,
    ),
    ("currency", Part::Cart, "currency", Kind::Text),
    ("metadata", Part::Cart, "metadata", Kind::Metadata),
    ("codes", Part::Input, "codes", Kind::Texts),
];

/// The fields of an item struct or a lines table: (column, field, kind).
pub const LINE_COLUMNS: &[(&str, &str, Kind)] = &[
    ("sku", "sku", Kind::Text),
    ("product", "product", Kind::Text),
    ("category", "category", Kind::Text),
    ("tags", "tags", Kind::Texts),
    ("price", "price", Kind::Number),
    ("price_minor", "price", Kind::Minor),
    ("quantity", "quantity", Kind::Number),
    ("metadata", "metadata", Kind::Metadata),
    ("tax_rate", "tax_rate", Kind::Number),
];

/// The fields of a shipping method struct: (field of the struct, field, kind).
pub const METHOD_COLUMNS: &[(&str, &str, Kind)] = &[
    ("id", "id", Kind::Text),
    ("code", "code", Kind::Text),
    ("name", "name", Kind::Text),
    ("price", "price", Kind::Number),
    ("price_minor", "price", Kind::Minor),
    ("metadata", "metadata", Kind::Metadata),
    ("tax_rate", "tax_rate", Kind::Number),
];

/// Columns no field reads: refused (with a did-you-mean), or ignored when asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    Forbid,
    Ignore,
}

/// A field of an object read from columns at one row.
pub enum Field<'a> {
    Col(Col<'a>),
    Obj(Layout<'a>),
    /// A list of item structs (`None`: a list of nulls, pandas' type for empty lists).
    Items(Lists<'a>, Option<(&'a StructArray, Layout<'a>)>),
    /// The order's lines in the lines table.
    Lines,
}

/// The fields of one object (`object`) read from columns: each one's name as the validator
/// knows it, its index in the object's field list ([`Object::fields`]: the validator then
/// matches it without comparing names, 16 comparisons an order), and where its values are.
pub struct Layout<'a> {
    pub object: Object,
    pub fields: Vec<(&'static str, Option<usize>, Field<'a>)>,
}

impl<'a> Layout<'a> {
    fn new(object: Object) -> Self {
        Self {
            object,
            fields: Vec::new(),
        }
    }

    /// Adds the field `name` of the object.
    fn push(&mut self, name: &'static str, field: Field<'a>) {
        let index = self.object.fields().iter().position(|f| *f == name);
        debug_assert!(index.is_some(), "{name} is a field of {:?}", self.object);
        self.fields.push((name, index, field));
    }
}

fn at(loc: Vec<Loc>, kind: ErrorKind) -> Error {
    Error::new(kind, loc)
}

fn with(prefix: &[Loc], name: &str) -> Vec<Loc> {
    let mut l = prefix.to_vec();
    l.push(Loc::key(name));
    l
}

/// The reader of a column of `kind`, or the error of one that does not fit.
fn column<'a>(
    a: &'a dyn Array,
    kind: Kind,
    exponent: u32,
    loc: &[Loc],
    extra: Extra,
    errs: &mut Vec<Error>,
) -> Option<Field<'a>> {
    let mismatch = || {
        at(
            loc.to_vec(),
            ErrorKind::TypeMismatch {
                expected: kind.expected().to_owned(),
                got: a.data_type().to_string(),
            },
        )
    };
    let col = match kind {
        Kind::Items | Kind::Methods => {
            if a.null_count() == a.len() && Lists::new(a).is_none() {
                return Some(Field::Col(Col::Null));
            }
            let Some(lists) = Lists::new(a) else {
                errs.push(mismatch());
                return None;
            };
            let values = lists.values();
            if values.data_type() == &arrow_schema::DataType::Null {
                return Some(Field::Items(lists, None));
            }
            let Some(st) = values.as_struct_opt() else {
                errs.push(mismatch());
                return None;
            };
            let names = st.fields().iter().map(|f| f.name().as_str());
            let (table, object) = if kind == Kind::Items {
                (LINE_COLUMNS, Object::Item)
            } else {
                (METHOD_COLUMNS, Object::ShippingMethod)
            };
            let columns = names.zip(st.columns());
            let (layout, _) = struct_layout(table, object, columns, exponent, loc, extra, errs);
            return Some(Field::Items(lists, Some((st, layout))));
        }
        Kind::Minor => match crate::arrow::read::Ints::new(a) {
            Some(ints) => Some(Col::Minor(ints, exponent)),
            None => Col::new(a).filter(|c| matches!(c, Col::Null)),
        },
        _ => Col::new(a),
    };
    match col {
        Some(col) if kind.fits(&col) => Some(Field::Col(col)),
        _ => {
            errs.push(mismatch());
            None
        }
    }
}

/// The layout of a line (an item struct's fields, or a lines table's columns but `order_id`);
/// and whether its price is in minor units.
fn line_layout<'a>(
    columns: impl Iterator<Item = (&'a str, &'a arrow_array::ArrayRef)>,
    exponent: u32,
    loc: &[Loc],
    extra: Extra,
    errs: &mut Vec<Error>,
) -> (Layout<'a>, bool) {
    struct_layout(
        LINE_COLUMNS,
        Object::Item,
        columns,
        exponent,
        loc,
        extra,
        errs,
    )
}

/// The layout of a struct (an `object`) whose fields `table` names; and whether its price is
/// in minor units.
fn struct_layout<'a>(
    table: &[(&str, &'static str, Kind)],
    object: Object,
    columns: impl Iterator<Item = (&'a str, &'a arrow_array::ArrayRef)>,
    exponent: u32,
    loc: &[Loc],
    extra: Extra,
    errs: &mut Vec<Error>,
) -> (Layout<'a>, bool) {
    let mut layout = Layout::new(object);
    let mut prices = Vec::new();
    for (name, a) in columns {
        let Some(&(_, field, kind)) = table.iter().find(|c| c.0 == name) else {
            if extra == Extra::Forbid {
                let known = table.iter().map(|c| c.0).collect::<Vec<_>>();
                errs.push(at(
                    with(loc, name),
                    super::errs::unknown_field(name, &known),
                ));
            }
            continue;
        };
        if field == "price" {
            prices.push(name);
        }
        if let Some(f) = column(a.as_ref(), kind, exponent, &with(loc, name), extra, errs) {
            layout.push(field, f);
        }
    }
    if prices.len() > 1 {
        errs.push(both(loc, "price", "price_minor"));
    }
    (layout, prices == ["price_minor"])
}

fn both(loc: &[Loc], a: &str, b: &str) -> Error {
    at(
        with(loc, b),
        ErrorKind::Invalid {
            message: format!("give either {a} or {b}, not both"),
        },
    )
}

/// One record batch of a lines table.
pub struct LineTable<'a> {
    layout: Layout<'a>,
    price_minor: bool,
}

impl<'a> LineTable<'a> {
    pub fn new(batch: &'a RecordBatch, exponent: u32, extra: Extra) -> Result<Self, Vec<Error>> {
        let mut errs = Vec::new();
        let schema = batch.schema_ref();
        let columns = schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .zip(batch.columns())
            .filter(|(name, _)| *name != "order_id");
        let (layout, price_minor) =
            line_layout(columns, exponent, &[Loc::key("lines")], extra, &mut errs);
        if errs.is_empty() {
            Ok(Self {
                layout,
                price_minor,
            })
        } else {
            Err(errs)
        }
    }
}

/// The lines of one order.
pub struct LineItems<'r, 'a> {
    pub tables: &'r [LineTable<'a>],
    pub lines: &'r Lines,
    /// Global row numbers in the lines table.
    pub refs: &'r [u32],
}

/// One record batch of an orders table.
pub struct OrderTable<'a> {
    pub keys: Keys<'a>,
    root: Layout<'a>,
    /// The column each (object, field) was read from.
    names: Vec<(Part, &'static str, &'a str)>,
    /// Whether nested items have their price in minor units.
    item_price_minor: bool,
}

impl<'a> OrderTable<'a> {
    /// `lines`: items come from a lines table (so an `items` column is an error).
    pub fn new(
        batch: &'a RecordBatch,
        exponent: u32,
        extra: Extra,
        lines: bool,
    ) -> Result<Self, Vec<Error>> {
        let table = [Loc::key("orders")];
        let mut errs = Vec::new();
        let schema = batch.schema_ref();
        let mut keys = None;
        let mut parts = [Part::Input, Part::Cart, Part::Customer, Part::Context]
            .map(|part| Layout::new(part.object()));
        let mut names = Vec::new();
        let mut item_price_minor = false;
        for (f, a) in schema.fields().iter().zip(batch.columns()) {
            let name = f.name().as_str();
            if name == "order_id" {
                keys = Keys::new(a.as_ref());
                if keys.is_none() {
                    errs.push(at(
                        with(&table, name),
                        ErrorKind::TypeMismatch {
                            expected: "integers or strings".to_owned(),
                            got: a.data_type().to_string(),
                        },
                    ));
                }
                continue;
            }
            let Some(&(_, part, field, kind)) = ORDER_COLUMNS.iter().find(|c| c.0 == name) else {
                if extra == Extra::Forbid {
                    let mut known = vec!["order_id"];
                    known.extend(ORDER_COLUMNS.iter().map(|c| c.0));
                    errs.push(at(
                        with(&table, name),
                        super::errs::unknown_field(name, &known),
                    ));
                }
                continue;
            };
            if let Some(&(_, _, other)) = names.iter().find(|(p, n, _)| *p == part && *n == field) {
                errs.push(both(&table, other, name));
                continue;
            }
            if kind == Kind::Items && lines {
                errs.push(at(
                    with(&table, name),
                    ErrorKind::Invalid {
                        message: "give items in the orders table or a lines table, not both"
                            .to_owned(),
                    },
                ));
                continue;
            }
            let loc = with(&table, name);
            let Some(col) = column(a.as_ref(), kind, exponent, &loc, extra, &mut errs) else {
                continue;
            };
            if let (Kind::Items, Field::Items(_, Some((_, layout)))) = (kind, &col) {
                item_price_minor = layout
                    .fields
                    .iter()
                    .any(|(n, _, f)| *n == "price" && matches!(f, Field::Col(Col::Minor(..))));
            }
            names.push((part, field, name));
            parts[part as usize].push(field, col);
        }
        let Some(keys) = keys else {
            if schema.field_with_name("order_id").is_err() {
                errs.insert(0, at(with(&table, "order_id"), ErrorKind::Required));
            }
            return Err(errs);
        };
        if !errs.is_empty() {
            return Err(errs);
        }
        let [mut root, mut cart, customer, context] = parts;
        if lines {
            cart.push("items", Field::Lines);
        }
        root.push("cart", Field::Obj(cart));
        // A customer is present when any of its columns is.
        if !customer.fields.is_empty() {
            root.push("customer", Field::Obj(customer));
        }
        if !context.fields.is_empty() {
            root.push("context", Field::Obj(context));
        }
        Ok(Self {
            keys,
            root,
            names,
            item_price_minor,
        })
    }

    /// Order `row` as the whole-input object the validator reads.
    pub fn cell<'r>(&'r self, row: usize, lines: Option<&'r LineItems<'r, 'a>>) -> Cell<'r, 'a> {
        Cell::Obj {
            layout: &self.root,
            row,
            valid: None,
            lines,
        }
    }

    /// The table location of a problem the validator found in order `row`.
    pub fn locate(&self, row: usize, lines: Option<&LineItems<'_, '_>>, loc: &[Loc]) -> Vec<Loc> {
        let key = |l: &Loc| match l {
            Loc::Key(k) => Some(k.clone()),
            Loc::Index(_) => None,
        };
        let mut out = vec![Loc::key("orders"), Loc::Index(row)];
        match loc {
            [c, i, Loc::Index(j), f, rest @ ..]
                if key(c).as_deref() == Some("cart") && key(i).as_deref() == Some("items") =>
            {
                let field = key(f).unwrap_or_default();
                let minor = if let Some(li) = lines {
                    let global = li.refs.get(*j).copied().unwrap_or(0);
                    let (b, _) = li.lines.locate(global);
                    out = vec![Loc::key("lines"), Loc::Index(global as usize)];
                    li.tables.get(b).is_some_and(|t| t.price_minor)
                } else {
                    out.extend([Loc::key("items"), Loc::Index(*j)]);
                    self.item_price_minor
                };
                out.push(Loc::key(if field == "price" && minor {
                    "price_minor"
                } else {
                    field.as_str()
                }));
                out.extend_from_slice(rest);
            }
            [p, f, rest @ ..] if key(p).is_some() && key(f).is_some() => {
                let (p, f) = (key(p).unwrap_or_default(), key(f).unwrap_or_default());
                let column = self
                    .names
                    .iter()
                    .find(|(part, field, _)| part.name() == p && *field == f)
                    .map_or(f.as_str(), |(_, _, c)| c);
                out.push(Loc::key(column));
                out.extend_from_slice(rest);
            }
            [c, rest @ ..] if key(c).as_deref() == Some("codes") => {
                out.push(Loc::key("codes"));
                out.extend_from_slice(rest);
            }
            rest => out.extend_from_slice(rest),
        }
        out
    }
}

mod cell;

pub use cell::{Cell, CellKey, Elements, Fields};
