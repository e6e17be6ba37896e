//! Where the validator is ([`Path`]) and what it found ([`Errs`]): locations are built only
//! for problems, and a source may map them to its own terms.

use super::source::{Bad, Source};
use crate::error::{Error, ErrorKind, Errors, Loc};

/// Where the validator is, built on the stack as it descends and turned into a location only
/// when something is wrong.
#[derive(Clone, Copy)]
pub struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    step: Step<'p>,
}

#[derive(Clone, Copy)]
enum Step<'p> {
    Root,
    Key(&'p str),
    Index(usize),
}

impl Path<'_> {
    pub const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Root,
    };

    pub fn key<'c>(&'c self, key: &'c str) -> Path<'c> {
        Path {
            parent: Some(self),
            step: Step::Key(key),
        }
    }

    pub fn index(&self, index: usize) -> Path<'_> {
        Path {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    pub fn locs(&self) -> Vec<Loc> {
        let mut out = self.parent.map_or_else(Vec::new, Path::locs);
        match self.step {
            Step::Root => {}
            Step::Key(k) => out.push(Loc::key(k)),
            Step::Index(i) => out.push(Loc::Index(i)),
        }
        out
    }
}

/// The problems found so far. A source may place them in its own terms (an Arrow row's column
/// and row number): `locate` maps the validator's location to the source's.
pub struct Errs<'t> {
    pub errors: Vec<Error>,
    locate: &'t dyn Fn(Vec<Loc>) -> Vec<Loc>,
}

fn same(loc: Vec<Loc>) -> Vec<Loc> {
    loc
}

impl Default for Errs<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'t> Errs<'t> {
    pub fn new() -> Self {
        Self {
            errors: Vec::new(),
            locate: &same,
        }
    }

    pub fn located(locate: &'t dyn Fn(Vec<Loc>) -> Vec<Loc>) -> Self {
        Self {
            errors: Vec::new(),
            locate,
        }
    }

    pub fn at(&mut self, path: &Path<'_>, kind: ErrorKind) {
        self.at_loc(path.locs(), kind);
    }

    pub(super) fn at_loc(&mut self, loc: Vec<Loc>, kind: ErrorKind) {
        let loc = (self.locate)(loc);
        self.errors.push(Error::new(kind, loc));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn into_errors(self) -> Errors {
        Errors::input(self.errors)
    }
}

pub(super) fn mismatch<S: Source>(v: &S, bad: Bad, expected: &str) -> ErrorKind {
    match bad {
        Bad::Unicode => ErrorKind::InvalidUnicode,
        Bad::Type => ErrorKind::TypeMismatch {
            expected: expected.to_owned(),
            got: v.got(),
        },
    }
}

/// The closest of `known` to `name`, for an unknown field.
pub fn unknown_field(name: &str, known: &[&str]) -> ErrorKind {
    ErrorKind::UnknownField {
        name: name.to_owned(),
        suggestion: crate::compile::did_you_mean(name, known.iter().copied()).map(str::to_owned),
    }
}
