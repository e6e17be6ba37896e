//! JSON values as a [`Source`]: golden files, and metadata held as JSON text in Arrow columns.
//!
//! Numbers are read as JSON parsers in Python read them: integers exactly, other numbers as
//! binary floats (6 places); decimal strings (`"12.50"`) keep their digits. Times are RFC 3339
//! text, dates `YYYY-MM-DD`.

use std::borrow::Cow;

use serde_json::Value;

use super::number;
use super::source::{Bad, Instant, Key, Meta, Number, Object, Source};

impl<'a> Source for &'a Value {
    type Key = &'a String;
    type Fields = serde_json::map::Iter<'a>;
    type Elements = std::slice::Iter<'a, Value>;

    fn key<'k>(key: &'k &'a String) -> Key<'k> {
        Key::Str(key.as_str())
    }

    fn is_null(&self) -> bool {
        Value::is_null(self)
    }

    fn got(&self) -> String {
        match self {
            Value::Null => "null".to_owned(),
            Value::Bool(_) => "bool".to_owned(),
            Value::Number(n) if n.is_f64() => "float".to_owned(),
            Value::Number(_) => "int".to_owned(),
            Value::String(s) => number::quote(s),
            Value::Array(_) => "list".to_owned(),
            Value::Object(_) => "dict".to_owned(),
        }
    }

    fn text(&self) -> Result<&str, Bad> {
        self.as_str().ok_or(Bad::Type)
    }

    fn number(&self) -> Result<Number<'_>, Bad> {
        match self {
            Value::Number(n) => Ok(if let Some(i) = n.as_i64() {
                Number::Scaled(i128::from(i), 0)
            } else if let Some(u) = n.as_u64() {
                Number::Scaled(i128::from(u), 0)
            } else {
                Number::Float(n.as_f64().unwrap_or(f64::NAN))
            }),
            Value::String(s) => Ok(Number::Text(Cow::Borrowed(s))),
            _ => Err(Bad::Type),
        }
    }

    fn instant(&self) -> Result<Instant<'_>, Bad> {
        match self {
            Value::String(s) => Ok(Instant::Text(Cow::Borrowed(s))),
            _ => Err(Bad::Type),
        }
    }

    fn meta(&self) -> Result<Meta<'_>, Bad> {
        Ok(match self {
            Value::Null => Meta::Null,
            Value::Bool(b) => Meta::Bool(*b),
            Value::Number(_) => Meta::Number(Source::number(self)?),
            Value::String(s) => Meta::Text(s),
            Value::Array(_) => Meta::List,
            Value::Object(m) => match (m.len(), m.get("$ts")) {
                (1, Some(Value::String(t))) => Meta::Time(Instant::Text(t.as_str().into())),
                _ => Meta::Map,
            },
        })
    }

    fn elements(&self) -> Result<Self::Elements, Bad> {
        match self {
            Value::Array(a) => Ok(a.iter()),
            _ => Err(Bad::Type),
        }
    }

    fn fields(&self, _of: Object) -> Result<Self::Fields, Bad> {
        match self {
            Value::Object(m) => Ok(m.iter()),
            _ => Err(Bad::Type),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::error::{ErrorKind, Loc};
    use crate::input::validate::read;

    #[test]
    fn a_json_input_reads_with_every_default() {
        let v = json!({
            "cart": {"items": [{"sku": "A", "price": "12.50", "quantity": 2.0,
                                "metadata": {"w": 1.5, "t": ["x", null]}}],
                     "currency": " usd "},
            "customer": {"created_at": "2020-01-02", "orders_count": 3},
            "context": {"now": "2026-11-27T11:00:00+01:00"},
        });
        let input = read(&&v, 0).unwrap();
        assert_eq!(input.cart.items[0].price.to_string(), "12.50");
        assert_eq!(input.cart.items[0].quantity, 2);
        assert_eq!(input.cart.currency.as_deref(), Some("USD"));
        let customer = input.customer.unwrap();
        assert_eq!(customer.created_at, Some(1_577_923_200_000_000));
        assert_eq!(customer.orders_count.unwrap().to_string(), "3");
        assert_eq!(input.context.now, 1_795_773_600_000_000);
        assert!(input.codes.is_empty());
    }

    #[test]
    fn every_problem_is_located() {
        let v = json!({
            "cart": {"items": [{"price": -1, "quantity": 0}, {"sku": 3}], "shiping": 1},
            "context": {"now": "2026-11-27T11:00:00"},
            "codes": [1],
        });
        let errs = read(&&v, 0).unwrap_err().errors;
        let found: Vec<(String, &str)> = errs
            .iter()
            .map(|e| {
                let loc: Vec<String> = e.loc.iter().map(Loc::to_string).collect();
                (loc.join("."), e.kind.type_name())
            })
            .collect();
        assert_eq!(
            found,
            [
                ("cart.items.0.price".to_owned(), "too_small"),
                ("cart.items.0.quantity".to_owned(), "too_small"),
                ("cart.items.1.sku".to_owned(), "type_mismatch"),
                ("cart.items.1.price".to_owned(), "required"),
                ("cart.shiping".to_owned(), "unknown_field"),
                // JSON objects are read in key order.
                ("codes.0".to_owned(), "type_mismatch"),
                ("context.now".to_owned(), "naive_datetime"),
            ]
        );
        assert_eq!(
            errs[4].kind,
            ErrorKind::UnknownField {
                name: "shiping".into(),
                suggestion: Some("shipping".into())
            }
        );
    }

    #[test]
    fn a_subtotal_of_ten_to_the_fourteen_is_refused() {
        let ok = json!({"cart": {"items": [{"price": "99999999999998.5", "quantity": 1}]}});
        assert!(read(&&ok, 0).is_ok());
        for items in [
            json!([{"price": "99999999999999.5", "quantity": 1}]),
            json!([{"price": "60000000000000", "quantity": 1},
                   {"price": "40000000000000", "quantity": 1}]),
            json!([{"price": "100000000", "quantity": 1_000_000}]),
        ] {
            let v = json!({"cart": {"items": items}});
            let errs = read(&&v, 0).unwrap_err().errors;
            assert_eq!(errs[0].kind.type_name(), "subtotal_too_large");
            assert_eq!(errs[0].loc, [Loc::key("cart"), Loc::key("items")]);
        }
    }
}
