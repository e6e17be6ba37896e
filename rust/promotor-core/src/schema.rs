//! The one table of the fields rules read: roots, names, types and meanings. The compiler
//! resolves field paths with it, the binding exports it (`promotor._native.schema()`) to the
//! Python builder and the reference evaluator, and docs/semantics.md's table of fields is
//! checked against it (`tests/test_docs.py`).

/// A field of the cart, the customer or the context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    CartSubtotal,
    CartQuantity,
    CartShipping,
    CartItems,
    CartCurrency,
    CartMetadata,
    CartShippingMethods,
    CustomerId,
    CustomerEmail,
    CustomerSegments,
    CustomerOrdersCount,
    CustomerTotalSpent,
    CustomerCreatedAt,
    CustomerBirthday,
    CustomerMetadata,
    ContextNow,
    ContextChannel,
    ContextCountry,
    ContextMetadata,
}

/// A field of a cart line (`item`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemField {
    Sku,
    Product,
    Category,
    Tags,
    Price,
    Quantity,
    Subtotal,
    Metadata,
}

/// The static type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Num,
    Str,
    Timestamp,
    /// A list of strings.
    Strs,
    /// A list of cart lines.
    Items,
    /// A list of shipping methods.
    Methods,
    /// Metadata: any key may follow.
    Map,
}

impl FieldType {
    /// The type as the rule language names it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Num => "num",
            Self::Str => "str",
            Self::Timestamp => "timestamp",
            Self::Strs => "list<str>",
            Self::Items => "list<item>",
            Self::Methods => "list<method>",
            Self::Map => "map",
        }
    }
}

/// What a field path resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Field(Field),
    Item(ItemField),
    /// A field of a shipping method (`method`), read by its name.
    Method,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    pub root: &'static str,
    pub name: &'static str,
    pub ty: FieldType,
    pub slot: Slot,
    /// What the field holds, as docs/semantics.md says it (empty: nothing to add to the type).
    pub meaning: &'static str,
}

/// The roots of field paths. `item` is bound only inside macros over items and item predicates,
/// `method` inside macros over shipping methods and shipping predicates.
pub const ROOTS: &[&str] = &["cart", "item", "customer", "context", "method"];

const fn f(
    root: &'static str,
    name: &'static str,
    ty: FieldType,
    slot: Slot,
    meaning: &'static str,
) -> FieldDef {
    FieldDef {
        root,
        name,
        ty,
        slot,
        meaning,
    }
}

use FieldType as T;

/// Every field, root by root, in the order the docs list them.
#[rustfmt::skip]
pub const FIELDS: &[FieldDef] = &[
    f("cart", "subtotal", T::Num, Slot::Field(Field::CartSubtotal), "sum of the lines' subtotals"),
    f("cart", "quantity", T::Num, Slot::Field(Field::CartQuantity), "sum of the lines' quantities"),
    f("cart", "shipping", T::Num, Slot::Field(Field::CartShipping), "the shipping: the sum of the methods' prices, each rounded to the minor unit (0 when none)"),
    f("cart", "items", T::Items, Slot::Field(Field::CartItems), "the lines, in input order"),
    f("cart", "currency", T::Str, Slot::Field(Field::CartCurrency), "the cart's currency code (the engine's when not given)"),
    f("cart", "metadata", T::Map, Slot::Field(Field::CartMetadata), ""),
    f("cart", "shipping_methods", T::Methods, Slot::Field(Field::CartShippingMethods), "the shipping methods, in input order (`shipping` alone: one method)"),
    f("item", "sku", T::Str, Slot::Item(ItemField::Sku), ""),
    f("item", "product", T::Str, Slot::Item(ItemField::Product), ""),
    f("item", "category", T::Str, Slot::Item(ItemField::Category), ""),
    f("item", "tags", T::Strs, Slot::Item(ItemField::Tags), ""),
    f("item", "price", T::Num, Slot::Item(ItemField::Price), "unit price"),
    f("item", "quantity", T::Num, Slot::Item(ItemField::Quantity), "units, an integer 1..1,000,000"),
    f("item", "subtotal", T::Num, Slot::Item(ItemField::Subtotal), "price × quantity, rounded to the currency's minor unit"),
    f("item", "metadata", T::Map, Slot::Item(ItemField::Metadata), ""),
    f("customer", "id", T::Str, Slot::Field(Field::CustomerId), ""),
    f("customer", "email", T::Str, Slot::Field(Field::CustomerEmail), ""),
    f("customer", "segments", T::Strs, Slot::Field(Field::CustomerSegments), ""),
    f("customer", "orders_count", T::Num, Slot::Field(Field::CustomerOrdersCount), ""),
    f("customer", "total_spent", T::Num, Slot::Field(Field::CustomerTotalSpent), ""),
    f("customer", "created_at", T::Timestamp, Slot::Field(Field::CustomerCreatedAt), "a date is midnight UTC of that day"),
    f("customer", "birthday", T::Timestamp, Slot::Field(Field::CustomerBirthday), "a date is midnight UTC of that day"),
    f("customer", "metadata", T::Map, Slot::Field(Field::CustomerMetadata), ""),
    f("context", "now", T::Timestamp, Slot::Field(Field::ContextNow), "evaluation time (`now=`)"),
    f("context", "channel", T::Str, Slot::Field(Field::ContextChannel), ""),
    f("context", "country", T::Str, Slot::Field(Field::ContextCountry), ""),
    f("context", "metadata", T::Map, Slot::Field(Field::ContextMetadata), ""),
    f("method", "id", T::Str, Slot::Method, ""),
    f("method", "code", T::Str, Slot::Method, ""),
    f("method", "name", T::Str, Slot::Method, ""),
    f("method", "price", T::Num, Slot::Method, "the method's price as given"),
    f("method", "metadata", T::Map, Slot::Method, ""),
];

/// The field `root.name`, if there is one.
pub fn lookup(root: &str, name: &str) -> Option<&'static FieldDef> {
    FIELDS.iter().find(|d| d.root == root && d.name == name)
}

/// The fields of one root.
pub fn fields_of(root: &str) -> impl Iterator<Item = &'static FieldDef> + '_ {
    FIELDS.iter().filter(move |d| d.root == root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_listed_once_under_a_known_root() {
        for (i, d) in FIELDS.iter().enumerate() {
            assert!(ROOTS.contains(&d.root), "{}", d.root);
            assert!(
                FIELDS[..i]
                    .iter()
                    .all(|e| (e.root, e.name) != (d.root, d.name)),
                "{}.{} twice",
                d.root,
                d.name
            );
            assert_eq!(
                d.root == "item",
                matches!(d.slot, Slot::Item(_)),
                "{}.{}",
                d.root,
                d.name
            );
        }
    }
}
