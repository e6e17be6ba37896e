//! Codes added to a pool (`store.add_codes`, `store.import_codes`): each read once into its
//! key, with the repeats of one call found by sorting the keys (no hash set of millions).

use super::normalize;
use super::pattern::MAX_CHARS;
use crate::error::{Error, ErrorKind, Loc};

/// What one call adds: every code's key, in order, and the repeats among them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Keys {
    pub keys: Vec<String>,
    /// `(index, index of the first code with the same key)`, by index.
    pub repeats: Vec<(usize, usize)>,
}

/// The keys of `codes`; the errors (at `loc` + index + `offset`) of codes that are empty once
/// normalised, longer than 256 characters, or hold an invisible character.
pub fn keys<S: AsRef<str>>(codes: &[S], loc: &[Loc], offset: usize) -> Result<Keys, Vec<Error>> {
    let mut errors = Vec::new();
    let mut keys = Vec::with_capacity(codes.len());
    for (i, code) in codes.iter().enumerate() {
        let code = code.as_ref();
        let at = || {
            let mut at = loc.to_vec();
            at.push(Loc::Index(offset + i));
            at
        };
        match normalize::key(code) {
            Ok(k) if k.is_empty() => errors.push(Error::new(ErrorKind::Required, at())),
            Ok(_) if code.chars().count() > MAX_CHARS => {
                errors.push(Error::new(ErrorKind::TooLong { max: MAX_CHARS }, at()));
            }
            Ok(k) => keys.push(k),
            Err(kind) => errors.push(Error::new(kind, at())),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_unstable_by(|a, b| keys[*a].cmp(&keys[*b]).then(a.cmp(b)));
    let mut repeats = Vec::new();
    for w in order.chunk_by(|a, b| keys[*a] == keys[*b]) {
        repeats.extend(w[1..].iter().map(|&i| (i + offset, w[0] + offset)));
    }
    repeats.sort_unstable();
    Ok(Keys { keys, repeats })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_repeats_by_key_and_refuses_bad_codes() {
        let k = keys(
            &["SP-1", "sp-2", " sp-1", "ＳＰ-2", "x"],
            &[Loc::key("codes")],
            10,
        )
        .unwrap();
        assert_eq!(k.keys, ["sp-1", "sp-2", "sp-1", "sp-2", "x"]);
        assert_eq!(k.repeats, [(12, 10), (13, 11)]);
        let errs = keys(&["ok", " ", "a\u{200b}b"], &[Loc::key("codes")], 0).unwrap_err();
        let locs: Vec<_> = errs.iter().map(|e| e.loc.clone()).collect();
        assert_eq!(
            locs,
            [
                vec![Loc::key("codes"), Loc::Index(1)],
                vec![Loc::key("codes"), Loc::Index(2)]
            ]
        );
    }
}
