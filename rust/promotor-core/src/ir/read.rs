//! Reading IR JSON into the serde types with typed errors: a JSON path for every problem (from
//! `serde_path_to_error`), a line and column for text that is not JSON, a did-you-mean for
//! unknown fields and choices, and a nesting bound checked before serde recurses.

use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Errors, Loc, Span};

use super::EngineDef;

/// The deepest JSON nesting read: an expression at the parser's depth bound nests two JSON
/// levels per node (a call and its argument list), plus the levels of the engine around it.
pub const MAX_JSON_DEPTH: usize = 2 * crate::syntax::MAX_SUPPORTED_DEPTH as usize + 32;

/// Keys under which an expression or free-form metadata starts: a too-deep document is
/// reported at the first of them on its path, not at the node where the bound was crossed.
pub const DEEP_ROOTS: &[&str] = &[
    "rules",
    "pred",
    "buy",
    "get",
    "percent",
    "amount",
    "price",
    "cap",
    "buy_quantity",
    "get_quantity",
    "max_applications",
    "metadata",
];

/// Reads an engine definition (any IR version this build reads; version 1 is read as 2).
pub fn read_engine(text: &str) -> Result<EngineDef, Errors> {
    read_json(text)
}

/// Reads a JSON document into `T`, every problem as a located [`Error`].
///
/// Read at serde's own nesting bound first (128 levels, what nearly every definition fits
/// in); a deeper document is scanned for [`MAX_JSON_DEPTH`] and read again without serde's
/// bound, so the scan costs only the documents that need it.
pub fn read_json<T: DeserializeOwned>(text: &str) -> Result<T, Errors> {
    match deserialize(text, false) {
        Err(e)
            if e.errors
                .first()
                .is_some_and(|e| e.message().contains("recursion limit")) =>
        {
            if let Some(loc) = too_deep(text) {
                return Err(Errors::rule(vec![Error::new(
                    ErrorKind::TooDeep {
                        max: MAX_JSON_DEPTH as u64,
                    },
                    loc,
                )]));
            }
            deserialize(text, true)
        }
        other => other,
    }
}

fn deserialize<T: DeserializeOwned>(text: &str, unbounded: bool) -> Result<T, Errors> {
    let mut de = serde_json::Deserializer::from_str(text);
    if unbounded {
        de.disable_recursion_limit();
    }
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let mut loc: Vec<Loc> = Vec::new();
        for segment in err.path() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => loc.push(Loc::Index(*index)),
                serde_path_to_error::Segment::Map { key } => loc.push(Loc::key(key)),
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        Errors::rule(vec![from_serde(text, loc, err.inner())])
    })?;
    de.end()
        .map_err(|err| Errors::rule(vec![from_serde(text, Vec::new(), &err)]))?;
    Ok(value)
}

/// The location of the first point nested deeper than [`MAX_JSON_DEPTH`], cut after its first
/// key in [`DEEP_ROOTS`]; `None` when the text nests less (or is not JSON: serde says so).
fn too_deep(text: &str) -> Option<Vec<Loc>> {
    enum Frame {
        Object(Option<(usize, usize)>),
        Array(usize),
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    let mut last_string: Option<(usize, usize)> = None;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                last_string = Some((start, i.min(bytes.len())));
            }
            b':' => {
                if let Some(Frame::Object(key)) = stack.last_mut() {
                    *key = last_string;
                }
            }
            b',' => {
                if let Some(Frame::Array(n)) = stack.last_mut() {
                    *n += 1;
                }
            }
            open @ (b'{' | b'[') => {
                if stack.len() >= MAX_JSON_DEPTH {
                    let mut loc = Vec::new();
                    for f in &stack {
                        match f {
                            Frame::Object(Some((a, b))) => {
                                let key = text.get(*a..*b).unwrap_or("?");
                                loc.push(Loc::key(key));
                                if DEEP_ROOTS.contains(&key) {
                                    return Some(loc);
                                }
                            }
                            Frame::Object(None) => {}
                            Frame::Array(n) => loc.push(Loc::Index(*n)),
                        }
                    }
                    return Some(loc);
                }
                stack.push(if open == b'{' {
                    Frame::Object(None)
                } else {
                    Frame::Array(0)
                });
            }
            b'}' | b']' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Names between backticks in a serde message (``expected one of `a`, `b` ``).
fn ticked(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

fn first_ticked(s: &str) -> Option<String> {
    ticked(s).first().map(|t| (*t).to_owned())
}

/// What a value is, as serde's "invalid type" names it (`string "x"`, ``integer `5` ``),
/// reduced to the type's name.
fn got_of(unexpected: &str) -> String {
    let word = unexpected
        .split([' ', '`', '"'])
        .find(|w| !w.is_empty())
        .unwrap_or(unexpected);
    match word {
        "integer" | "floating" => "number".to_owned(),
        "string" => "str".to_owned(),
        "boolean" => "bool".to_owned(),
        "map" => "object".to_owned(),
        "sequence" => "list".to_owned(),
        "unit" => "null".to_owned(),
        other => other.to_owned(),
    }
}

/// Whether the JSON value at `loc` is an object with a `"type"` key: then a serde "unknown
/// variant" there is about the tag, and is reported at `loc + "type"`.
fn tagged_at(text: &str, loc: &[Loc]) -> bool {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    for part in loc {
        v = match (part, v) {
            (Loc::Key(k), serde_json::Value::Object(mut m)) => match m.remove(k) {
                Some(x) => x,
                None => return false,
            },
            (Loc::Index(i), serde_json::Value::Array(mut a)) if *i < a.len() => a.swap_remove(*i),
            _ => return false,
        };
    }
    v.get("type").is_some()
}

/// The expression tags: a target given one of them is an expression where a target belongs.
const EXPR_TAGS: &[&str] = &[
    "null", "bool", "num", "str", "list", "field", "unary", "binary", "cond", "call", "macro",
];

/// One serde error as a typed [`Error`] at its JSON path.
fn from_serde(text: &str, mut loc: Vec<Loc>, inner: &serde_json::Error) -> Error {
    let full = inner.to_string();
    let msg = match full.rfind(" at line ") {
        Some(i) if inner.line() > 0 => &full[..i],
        _ => full.as_str(),
    };
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        let span = Span {
            line: u32::try_from(inner.line()).unwrap_or(u32::MAX),
            column: u32::try_from(inner.column()).unwrap_or(u32::MAX),
            offset: 0,
        };
        return Error::new(
            ErrorKind::SyntaxError {
                message: format!("invalid JSON: {msg}"),
            },
            Vec::new(),
        )
        .with_span(span);
    }
    let kind = if let Some(rest) = msg.strip_prefix("missing field ") {
        if let Some(name) = first_ticked(rest) {
            loc.push(Loc::Key(name));
        }
        ErrorKind::Required
    } else if let Some(rest) = msg.strip_prefix("unknown field ") {
        let names = ticked(rest);
        let name = names.first().copied().unwrap_or_default().to_owned();
        let expected = &names[1.min(names.len())..];
        let suggestion = crate::compile::did_you_mean(&name, expected.iter().copied())
            .or(if expected.len() == 1 {
                expected.first().copied()
            } else {
                None
            })
            .map(str::to_owned);
        if loc.last() != Some(&Loc::key(&name)) {
            loc.push(Loc::key(&name));
        }
        ErrorKind::UnknownField { name, suggestion }
    } else if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let names = ticked(rest);
        let got = names.first().copied().unwrap_or_default().to_owned();
        let choices = &names[1.min(names.len())..];
        if tagged_at(text, &loc) {
            loc.push(Loc::key("type"));
        }
        if choices.contains(&"items") && EXPR_TAGS.contains(&got.as_str()) {
            ErrorKind::NotATarget {
                got: "an expression".to_owned(),
            }
        } else {
            ErrorKind::UnknownChoice {
                suggestion: crate::compile::did_you_mean(&got, choices.iter().copied())
                    .map(str::to_owned),
                got,
                expected: choices
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        }
    } else if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        ErrorKind::TypeMismatch {
            expected: expected.to_owned(),
            got: got_of(unexpected),
        }
    } else if let Some(rest) = msg.strip_prefix("invalid value: ") {
        let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        if expected.starts_with("u32") || expected.starts_with("u8") || expected.starts_with("i32")
        {
            let max = match expected {
                e if e.starts_with("u8") => u8::MAX.to_string(),
                e if e.starts_with("i32") => i32::MAX.to_string(),
                _ => u32::MAX.to_string(),
            };
            if unexpected.contains('-') {
                ErrorKind::TooSmall {
                    min: if expected.starts_with("i32") {
                        i32::MIN.to_string()
                    } else {
                        "0".to_owned()
                    },
                }
            } else {
                ErrorKind::TooLarge { max }
            }
        } else {
            ErrorKind::TypeMismatch {
                expected: expected.to_owned(),
                got: got_of(unexpected),
            }
        }
    } else if let Some(rest) = msg.strip_prefix("duplicate field ") {
        ErrorKind::Duplicate {
            value: first_ticked(rest).unwrap_or_default(),
        }
    } else {
        ErrorKind::Invalid {
            message: msg.to_owned(),
        }
    };
    Error::new(kind, loc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Category;

    fn err(text: &str) -> Error {
        let e = read_engine(text).expect_err("should not read");
        assert_eq!(e.category, Category::Rule);
        e.errors.into_iter().next().unwrap()
    }

    fn k(s: &str) -> Loc {
        Loc::key(s)
    }

    #[test]
    fn serde_errors_are_typed_and_located() {
        let e = err(r#"{"version": 2, "campaigns": [{"id": "a", "prority": 1}]}"#);
        assert_eq!(e.kind.type_name(), "unknown_field");
        assert_eq!(e.loc, vec![k("campaigns"), Loc::Index(0), k("prority")]);
        assert_eq!(
            e.message(),
            "unknown field 'prority'; did you mean 'priority'?"
        );

        let e = err(r#"{"version": 2, "campaigns": [{"name": "a"}]}"#);
        assert_eq!(e.kind, ErrorKind::Required);
        assert_eq!(e.loc, vec![k("campaigns"), Loc::Index(0), k("id")]);

        let e =
            err(r#"{"version": 2, "campaigns": [{"id": "a", "effect": {"type": "percent_of"}}]}"#);
        assert_eq!(e.kind.type_name(), "unknown_choice");
        assert_eq!(
            e.loc,
            vec![k("campaigns"), Loc::Index(0), k("effect"), k("type")]
        );
        assert!(e.message().contains("did you mean 'percent_off'?"), "{e}");

        let e = err(r#"{"version": 2, "rounding": "half_evn", "campaigns": []}"#);
        assert_eq!(e.loc, vec![k("rounding")]);
        assert!(e.message().contains("did you mean 'half_even'?"), "{e}");

        let e = err(r#"{"version": 2, "campaigns": [{"id": 5}]}"#);
        assert_eq!(
            e.kind,
            ErrorKind::TypeMismatch {
                expected: "a string".into(),
                got: "number".into()
            }
        );

        let e = err(r#"{"version": 2, "campaigns": [{"id": "a", "priority": -3000000000}]}"#);
        assert_eq!(e.kind.type_name(), "too_small", "{e}");

        let e = err("{\"version\": 2,\n \"campaigns\": [}");
        assert_eq!(e.kind.type_name(), "syntax_error");
        assert_eq!(e.span.map(|s| (s.line, s.column)), Some((2, 16)));
    }

    #[test]
    fn an_expression_where_a_target_belongs_says_so() {
        let e = err(
            r#"{"version": 2, "campaigns": [{"id": "a", "effect": {"type": "percent_off",
                "percent": {"type": "num", "value": "1"}, "on": {"type": "binary", "op": "eq",
                "left": {"type": "null"}, "right": {"type": "null"}}}}]}"#,
        );
        assert_eq!(e.kind.type_name(), "type_mismatch");
        assert!(e.message().contains("pm.items("), "{e}");
    }

    #[test]
    fn version_1_reads_limits_as_bounds() {
        let def = read_engine(
            r#"{"version": 1, "limits": {"max_depth": 10, "max_nodes": 5, "max_cost": 9,
                "max_text_len": 100}, "campaigns": []}"#,
        )
        .unwrap();
        assert_eq!(def.version, 2);
        assert_eq!(def.bounds.max_depth, 10);
        let e = err(
            r#"{"version": 2, "limits": {"max_depth": 10, "max_nodes": 5, "max_cost": 9,
                "max_text_len": 100}, "campaigns": []}"#,
        );
        assert_eq!(e.kind.type_name(), "unknown_field", "{e}");
        assert!(e.message().contains("did you mean 'bounds'"), "{e}");
    }

    #[test]
    fn deep_documents_are_refused_at_their_expression() {
        let mut rule = r#"{"type": "bool", "value": true}"#.to_owned();
        for _ in 0..1000 {
            rule = format!(r#"{{"type": "unary", "op": "not", "arg": {rule}}}"#);
        }
        let text = format!(
            r#"{{"version": 2, "campaigns": [{{"id": "a", "rules": {rule},
                "effect": {{"type": "percent_off", "percent": {{"type": "num", "value": "1"}}}}}}]}}"#
        );
        let e = err(&text);
        assert_eq!(e.kind.type_name(), "too_deep");
        assert_eq!(e.loc, vec![k("campaigns"), Loc::Index(0), k("rules")]);
    }
}
