//! An Arrow row's values, and the objects made of its columns, as a validator [`Source`].

use std::ops::Range;

use arrow_array::{Array, StructArray};

use super::{Field, Layout, LineItems};
use crate::arrow::read::{Col, Lists};
use crate::input::number;
use crate::input::source::{Bad, Instant, Key, Meta, Number, Object, Source};

/// One value of an Arrow row, or an object made of a row's columns.
#[derive(Clone, Copy)]
pub enum Cell<'r, 'a> {
    Null,
    Value(&'r Col<'a>, usize),
    /// An object whose fields are columns read at `row`: an order, a part of it, an item
    /// struct (`valid`: its null mask), a line of the lines table.
    Obj {
        layout: &'r Layout<'a>,
        row: usize,
        valid: Option<&'a StructArray>,
        lines: Option<&'r LineItems<'r, 'a>>,
    },
    Items {
        lists: Lists<'a>,
        items: Option<&'r (&'a StructArray, Layout<'a>)>,
        row: usize,
    },
    Lines(&'r LineItems<'r, 'a>),
}

/// A key of an object: its name, and its index in the field list of the object the
/// validator reads it as when the layout knows it ([`super::Layout`]).
#[derive(Clone, Copy)]
pub struct CellKey<'r> {
    name: &'r str,
    index: Option<usize>,
}

pub enum Fields<'r, 'a> {
    Obj {
        fields: std::slice::Iter<'r, (&'static str, Option<usize>, Field<'a>)>,
        /// Whether the object is read as the one it was laid out for (always, so far): the
        /// layout's indices hold; otherwise the validator compares names.
        indexed: bool,
        row: usize,
        lines: Option<&'r LineItems<'r, 'a>>,
    },
    Struct(std::slice::Iter<'r, (&'a str, Col<'a>)>, usize),
}

impl<'r, 'a> Iterator for Fields<'r, 'a> {
    type Item = (CellKey<'r>, Cell<'r, 'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Obj {
                fields,
                indexed,
                row,
                lines,
            } => {
                let (name, index, field) = fields.next()?;
                let index = index.filter(|_| *indexed);
                let row = *row;
                let cell = match field {
                    Field::Col(c) => Cell::Value(c, row),
                    Field::Obj(layout) => Cell::Obj {
                        layout,
                        row,
                        valid: None,
                        lines: *lines,
                    },
                    Field::Items(lists, items) => Cell::Items {
                        lists: *lists,
                        items: items.as_ref(),
                        row,
                    },
                    Field::Lines => lines.map_or(Cell::Null, Cell::Lines),
                };
                Some((CellKey { name, index }, cell))
            }
            Self::Struct(it, row) => {
                let (name, col) = it.next()?;
                let key = CellKey { name, index: None };
                Some((key, Cell::Value(col, *row)))
            }
        }
    }
}

pub enum Elements<'r, 'a> {
    Col(&'r Col<'a>, Range<usize>),
    Items(Option<&'r (&'a StructArray, Layout<'a>)>, Range<usize>),
    Lines(&'r LineItems<'r, 'a>, std::slice::Iter<'r, u32>),
}

impl<'r, 'a> Iterator for Elements<'r, 'a> {
    type Item = Cell<'r, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Col(col, range) => range.next().map(|j| Cell::Value(col, j)),
            Self::Items(items, range) => {
                let j = range.next()?;
                Some(match items {
                    None => Cell::Null,
                    Some(pair) => Cell::Obj {
                        layout: &pair.1,
                        row: j,
                        valid: Some(pair.0),
                        lines: None,
                    },
                })
            }
            Self::Lines(li, refs) => {
                let (b, r) = li.lines.locate(*refs.next()?);
                Some(match li.tables.get(b) {
                    None => Cell::Null,
                    Some(t) => Cell::Obj {
                        layout: &t.layout,
                        row: r,
                        valid: None,
                        lines: None,
                    },
                })
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            Self::Col(_, r) | Self::Items(_, r) => r.len(),
            Self::Lines(_, refs) => refs.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Elements<'_, '_> {}

impl<'r, 'a> Cell<'r, 'a> {
    /// The column and row of a value that is there (not null).
    fn present(&self) -> Result<(&'r Col<'a>, usize), Bad> {
        match *self {
            Self::Value(c, i) if !c.is_null(i) => Ok((c, i)),
            _ => Err(Bad::Type),
        }
    }
}

impl<'r, 'a> Source for Cell<'r, 'a> {
    type Key = CellKey<'r>;
    type Fields = Fields<'r, 'a>;
    type Elements = Elements<'r, 'a>;

    fn key<'k>(key: &'k CellKey<'r>) -> Key<'k> {
        match key.index {
            Some(i) => Key::Field(i),
            None => Key::Str(key.name),
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Self::Null => true,
            Self::Value(c, i) => c.is_null(*i),
            Self::Obj { valid, row, .. } => valid.is_some_and(|v| v.is_null(*row)),
            Self::Items { lists, row, .. } => lists.range(*row).is_none(),
            Self::Lines(_) => false,
        }
    }

    fn got(&self) -> String {
        if self.is_null() {
            return "null".to_owned();
        }
        match self {
            Self::Value(Col::Str(s), i) => number::quote(s.get(*i).unwrap_or_default()),
            Self::Value(c, _) => match c {
                Col::Bool(_) => "bool",
                Col::Int(_) | Col::Minor(..) => "int",
                Col::Dec(..) => "decimal",
                Col::F64(_) | Col::F32(_) => "float",
                Col::Time(..) => "timestamp",
                Col::Date32(_) | Col::Date64(_) => "date",
                Col::List(..) => "list",
                _ => "struct",
            }
            .to_owned(),
            Self::Items { .. } | Self::Lines(_) => "list".to_owned(),
            _ => "struct".to_owned(),
        }
    }

    fn text(&self) -> Result<&str, Bad> {
        match self {
            Self::Value(Col::Str(s), i) => s.get(*i).ok_or(Bad::Type),
            _ => Err(Bad::Type),
        }
    }

    fn number(&self) -> Result<Number<'_>, Bad> {
        let (c, i) = self.present()?;
        Ok(match c {
            Col::Int(a) => Number::Scaled(a.get(i).unwrap_or(0), 0),
            Col::Minor(a, e) => Number::Scaled(a.get(i).unwrap_or(0), *e as i32),
            Col::Dec(a, s) => Number::Scaled(a.value(i), i32::from(*s)),
            Col::F64(a) => Number::Float(a.value(i)),
            Col::F32(a) => Number::Float(f64::from(a.value(i))),
            _ => return Err(Bad::Type),
        })
    }

    fn instant(&self) -> Result<Instant<'_>, Bad> {
        let (c, i) = self.present()?;
        Ok(match c {
            Col::Time(a, unit, true) => Instant::Micros(Col::micros(*a, *unit, i)),
            Col::Time(_, _, false) => Instant::Naive,
            Col::Date32(a) => Instant::Date(i64::from(a.value(i))),
            Col::Date64(a) => Instant::Date(a.value(i).div_euclid(86_400_000)),
            _ => return Err(Bad::Type),
        })
    }

    fn meta(&self) -> Result<Meta<'_>, Bad> {
        if self.is_null() {
            return Ok(Meta::Null);
        }
        match self {
            Self::Value(Col::Str(_), _) => self.text().map(Meta::Text),
            Self::Value(Col::Bool(a), i) => Ok(Meta::Bool(a.value(*i))),
            Self::Value(Col::List(..), _) => Ok(Meta::List),
            Self::Value(Col::Struct(..), _) => Ok(Meta::Map),
            Self::Value(Col::Time(..) | Col::Date32(_) | Col::Date64(_), _) => {
                self.instant().map(Meta::Time)
            }
            _ => self.number().map(Meta::Number),
        }
    }

    fn elements(&self) -> Result<Self::Elements, Bad> {
        match *self {
            Self::Value(Col::List(lists, values), i) => {
                let range = lists.range(i).ok_or(Bad::Type)?;
                Ok(Elements::Col(values, range))
            }
            Self::Items { lists, items, row } => {
                Ok(Elements::Items(items, lists.range(row).ok_or(Bad::Type)?))
            }
            Self::Lines(li) => Ok(Elements::Lines(li, li.refs.iter())),
            _ => Err(Bad::Type),
        }
    }

    fn fields(&self, of: Object) -> Result<Self::Fields, Bad> {
        if self.is_null() {
            return Err(Bad::Type);
        }
        match *self {
            Self::Obj {
                layout, row, lines, ..
            } => Ok(Fields::Obj {
                fields: layout.fields.iter(),
                indexed: layout.object == of,
                row,
                lines,
            }),
            Self::Value(Col::Struct(_, children), i) => Ok(Fields::Struct(children.iter(), i)),
            _ => Err(Bad::Type),
        }
    }

    fn json(&self) -> Option<Result<serde_json::Value, String>> {
        let text = match self {
            Self::Value(Col::Str(_), _) => self.text().ok()?,
            _ => return None,
        };
        Some(serde_json::from_str(text).map_err(|e| format!("invalid JSON ({e})")))
    }
}
