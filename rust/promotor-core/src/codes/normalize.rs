//! The comparison key of a code, computed once here for every place a code is read (a campaign's
//! codes at compile time, the codes given to `evaluate`, the batch, generation against a pool,
//! and later the stores and imports).
//!
//! The key is `NFKC(casefold(trim(NFKC(code))))`: compatibility forms fold together
//! (`"ＢＦ１０"` is `"bf10"`), white space around a code is dropped, and case is folded with the
//! full Unicode folding (`"STRASSE"` and `"straße"` are one code; so are an NFD `"ÉTÉ"` and
//! `"été"`). Zero-width and bidi control characters are refused instead of dropped: they are
//! invisible, so a code holding one is a typo, a paste from a formatted document, or a spoof.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, ErrorKind, Loc};

/// The characters refused in a code (DESIGN section 9), sorted, with their Unicode names.
const INVISIBLE: [(char, &str); 17] = [
    ('\u{061C}', "arabic letter mark"),
    ('\u{200B}', "zero width space"),
    ('\u{200C}', "zero width non-joiner"),
    ('\u{200D}', "zero width joiner"),
    ('\u{200E}', "left-to-right mark"),
    ('\u{200F}', "right-to-left mark"),
    ('\u{202A}', "left-to-right embedding"),
    ('\u{202B}', "right-to-left embedding"),
    ('\u{202C}', "pop directional formatting"),
    ('\u{202D}', "left-to-right override"),
    ('\u{202E}', "right-to-left override"),
    ('\u{2060}', "word joiner"),
    ('\u{2066}', "left-to-right isolate"),
    ('\u{2067}', "right-to-left isolate"),
    ('\u{2068}', "first strong isolate"),
    ('\u{2069}', "pop directional isolate"),
    ('\u{FEFF}', "zero width no-break space"),
];

/// The Unicode name of a refused character, or `None` for any other character.
pub fn invisible_name(c: char) -> Option<&'static str> {
    if u32::from(c) < 0x061C {
        return None;
    }
    INVISIBLE
        .binary_search_by_key(&c, |(ch, _)| *ch)
        .ok()
        .map(|i| INVISIBLE[i].1)
}

/// The first refused character of `text`, as an error kind naming its character position.
pub fn check(text: &str) -> Result<(), ErrorKind> {
    if text.is_ascii() {
        return Ok(());
    }
    for (position, character) in text.chars().enumerate() {
        if let Some(name) = invisible_name(character) {
            return Err(ErrorKind::InvisibleCharacter {
                character,
                name,
                position,
            });
        }
    }
    Ok(())
}

/// The comparison key of `code` (see the module docs). An empty key means no code.
pub fn key(code: &str) -> Result<String, ErrorKind> {
    if code.is_ascii() {
        // NFKC leaves ASCII alone and full case folding of ASCII is lower-casing.
        return Ok(code.trim().to_ascii_lowercase());
    }
    check(code)?;
    let composed: String = code.nfkc().collect();
    Ok(composed.trim().chars().default_case_fold().nfkc().collect())
}

/// The comparison key of `code` for an engine whose codes are case-sensitive
/// (`pm.Engine(codes_case_sensitive=True)`): [`key`] without the case folding, so compatibility
/// forms still fold together (`"ＢＦ１０"` is `"BF10"`) and white space around a code is still
/// dropped, but `"BF10"` and `"bf10"` are two codes.
pub fn key_with(code: &str, case_sensitive: bool) -> Result<String, ErrorKind> {
    if !case_sensitive {
        return key(code);
    }
    if code.is_ascii() {
        return Ok(code.trim().to_owned());
    }
    check(code)?;
    let composed: String = code.nfkc().collect();
    Ok(composed.trim().nfkc().collect())
}

/// Checks every code of a list, each error located at `loc` plus the code's index, such as
/// `("codes", 2)`, with the character position in its context.
pub fn check_all<S: AsRef<str>>(codes: &[S], loc: &[Loc]) -> Vec<Error> {
    codes
        .iter()
        .enumerate()
        .filter_map(|(i, code)| {
            check(code.as_ref()).err().map(|kind| {
                let mut at = loc.to_vec();
                at.push(Loc::Index(i));
                Error::new(kind, at)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_sensitive_keys_keep_case_and_fold_the_rest() {
        assert_eq!(key_with(" SPRING-a ", true).unwrap(), "SPRING-a");
        assert_eq!(
            key_with("ＳＰＲＩＮＧ-A\u{3000}", true).unwrap(),
            "SPRING-A"
        );
        assert_ne!(key_with("STRASSE", true), key_with("straße", true));
        assert_eq!(key_with("STRASSE", false), key_with("straße", false));
        assert!(key_with("bf\u{200b}", true).is_err());
    }

    fn k(s: &str) -> String {
        key(s).expect("a valid code")
    }

    #[test]
    fn ascii_is_trimmed_and_lower_cased() {
        assert_eq!(k("  BlckFrdy\t"), "blckfrdy");
        assert_eq!(k("\x1fSale"), "\x1fsale"); // U+001F is not White_Space
        assert_eq!(k("   "), "");
    }

    #[test]
    fn compatibility_forms_and_full_case_folding_meet() {
        assert_eq!(k("STRASSE"), k("straße"));
        assert_eq!(k("E\u{301}TE\u{301}"), k("été"));
        assert_eq!(k("ＢＦ１０"), "bf10");
        assert_eq!(k("\u{3000}Sale\u{a0}"), "sale");
        assert_eq!(k("ŻÓŁW"), "żółw");
        assert_eq!(k("ﬁ"), "fi");
        assert_eq!(k("Ωmega"), k("ωMEGA"));
    }

    #[test]
    fn invisible_characters_are_refused_with_their_position() {
        assert_eq!(
            key("bf-12ab\u{200b} "),
            Err(ErrorKind::InvisibleCharacter {
                character: '\u{200b}',
                name: "zero width space",
                position: 7,
            })
        );
        for (c, _) in INVISIBLE {
            let err = key(&format!("é{c}")).expect_err("refused");
            assert!(matches!(
                err,
                ErrorKind::InvisibleCharacter { position: 1, .. }
            ));
        }
        assert_eq!(invisible_name('\u{2065}'), None);
        assert_eq!(invisible_name('a'), None);
    }

    #[test]
    fn every_code_of_a_list_is_located() {
        let errs = check_all(&["ok", "a\u{202e}b", "\u{feff}x"], &[Loc::key("codes")]);
        let locs: Vec<_> = errs.iter().map(|e| e.loc.clone()).collect();
        assert_eq!(
            locs,
            vec![
                vec![Loc::key("codes"), Loc::Index(1)],
                vec![Loc::key("codes"), Loc::Index(2)]
            ]
        );
        assert_eq!(
            errs[0].to_string(),
            "codes.1: invisible character U+202E (right-to-left override) at position 1: codes \
             must not contain zero-width or bidi control characters"
        );
    }
}
