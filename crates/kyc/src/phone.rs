//! Phone numbers: the same number across formatting, trunk prefix and country code.
//!
//! A phone number is ASCII digits and formatting only ([`check_phone`]): whitespace and
//! `+ - ( ) . /` (and the Unicode dashes U+2010..=U+2015 and U+2212). Anything else, letters
//! first of all, makes it an invalid phone number, which the matcher refuses with an error
//! naming the field, as it refuses a value without digits. So `0803-CALL-NOW` is never the same
//! number as `0803`, as it was when letters were skipped like spaces, nor as `0803 2255 669`,
//! as the `phonenumber` parser would read it (it maps vanity letters to keypad digits).
//!
//! Fast path: if both sides have the same digits (ignoring every non-digit, so spaces, dashes,
//! brackets and a leading `+` do not matter) they are the same number, without parsing. Otherwise
//! both are parsed with the `phonenumber` crate (libphonenumber's metadata), each side in the
//! context of its record's country (or the other record's, when its own is missing), and compared
//! by country calling code and national number.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::field::FieldOutcome;

pub use phonenumber::country::Id as Country;

/// How a phone comparison was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhoneRule {
    /// The digit strings are identical.
    SameDigits,
    /// Parsed to the same country code and national number.
    SameNumber,
    /// Parsed to different numbers.
    DifferentNumber,
    /// At least one side could not be parsed as a phone number (for example a national number
    /// without a known country), and the digits differ.
    Unparseable,
    /// One side has no phone number.
    NotProvided,
    /// At least one side is not a valid phone number ([`check_phone`]). Only [`compare_phone`]
    /// on unchecked input reports it: [`crate::match_request`] refuses such a record with
    /// [`crate::KycError::InvalidPhone`] before comparing.
    Invalid,
}

/// Why a value is not a phone number (see [`check_phone`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneError {
    /// Not a single ASCII digit (`""` aside, which counts as not provided).
    NoDigits,
    /// A letter, in any script (`0803-CALL-NOW`, `n/a`, `Ｃ`, `é`).
    Letter,
    /// A character that is neither an ASCII digit, nor a letter, nor formatting: digits of other
    /// scripts (full-width `０`, Arabic-Indic `٠`), invisible and control characters, `*`, `#`,
    /// ...
    OtherCharacter,
}

impl std::fmt::Display for PhoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PhoneError::NoDigits => "no digits",
            PhoneError::Letter => {
                "contains a letter (a vanity number such as 0803-CALL-NOW must be given in digits)"
            }
            PhoneError::OtherCharacter => {
                "contains a character other than ASCII digits, spaces and + - ( ) . / \
                 (digits of other scripts, such as full-width digits, are not accepted)"
            }
        })
    }
}

/// Dashes that word processors put into numbers, accepted as formatting like `-`: hyphen,
/// non-breaking hyphen, figure dash, en dash, em dash, horizontal bar and minus sign.
const UNICODE_DASHES: [char; 7] = [
    '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}',
];

/// Check that `s` is a phone number: at least one ASCII digit, and otherwise only formatting
/// (whitespace, `+ - ( ) . /` and the Unicode dashes U+2010..=U+2015 and U+2212). The first
/// character that is not allowed decides the error; a letter is [`PhoneError::Letter`].
///
/// ```
/// use underwrite_kyc::phone::{check_phone, PhoneError};
/// assert_eq!(check_phone("+234 (803) 123-4567"), Ok(()));
/// assert_eq!(check_phone("0803-CALL-NOW"), Err(PhoneError::Letter));
/// assert_eq!(check_phone("０８０３ 123 4567"), Err(PhoneError::OtherCharacter));
/// assert_eq!(check_phone("+ ( )"), Err(PhoneError::NoDigits));
/// ```
pub fn check_phone(s: &str) -> Result<(), PhoneError> {
    let mut digits = false;
    for c in s.chars() {
        match c {
            '0'..='9' => digits = true,
            ' ' | '+' | '-' | '(' | ')' | '.' | '/' => {}
            c if c.is_whitespace() || UNICODE_DASHES.contains(&c) => {}
            c if c.is_alphabetic() => return Err(PhoneError::Letter),
            _ => return Err(PhoneError::OtherCharacter),
        }
    }
    if digits {
        Ok(())
    } else {
        Err(PhoneError::NoDigits)
    }
}

/// What a `Phone_Number` outcome rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PhoneDetails {
    /// The rule that decided the outcome.
    pub rule: PhoneRule,
}

/// Parse an ISO 3166-1 alpha-2 country code, any case, surrounding whitespace ignored.
#[must_use]
pub fn parse_country(s: &str) -> Option<Country> {
    let t = if crate::normalize::starts_and_ends_unblank(s) {
        s
    } else {
        s.trim()
    };
    let [a, b] = t.as_bytes() else {
        return None;
    };
    let (a, b) = (a.to_ascii_uppercase(), b.to_ascii_uppercase());
    if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() {
        return None;
    }
    let index = usize::from(a - b'A') * 26 + usize::from(b - b'A');
    country_table().get(index).copied().flatten()
}

/// Every two-letter code the phone metadata knows, indexed by `(first - 'A') * 26 + (second -
/// 'A')`: built once, so that validating a country is an array lookup rather than the metadata's
/// string match.
fn country_table() -> &'static [Option<Country>; 676] {
    static TABLE: std::sync::OnceLock<[Option<Country>; 676]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [None; 676];
        for (i, slot) in table.iter_mut().enumerate() {
            let code = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8];
            *slot = std::str::from_utf8(&code).ok().and_then(|c| c.parse().ok());
        }
        table
    })
}

/// The ASCII digits of `s`, in order.
#[cfg(test)]
fn digits(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes().filter(u8::is_ascii_digit)
}

/// True when `a` has at least one ASCII digit and both have the same ASCII digits in the same
/// order (`has_digits(a) && digits(a).eq(digits(b))`, in one pass over both).
fn same_digits(a: &[u8], b: &[u8]) -> bool {
    let mut rest = b.iter();
    let mut any = false;
    for &x in a {
        if !x.is_ascii_digit() {
            continue;
        }
        any = true;
        if rest.find(|y| y.is_ascii_digit()) != Some(&x) {
            return false;
        }
    }
    any && !rest.any(u8::is_ascii_digit)
}

/// True when `s` contains at least one ASCII digit. Not enough to be a phone number: see
/// [`check_phone`].
#[must_use]
pub fn has_digits(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
}

/// Compare two phone numbers, each with the country its record names (if any).
///
/// A side that is not a phone number ([`check_phone`]) is a No Match with rule
/// [`PhoneRule::Invalid`]: a value with letters is never an Exact Match.
///
/// ```
/// use underwrite_kyc::{phone::{compare_phone, parse_country, PhoneRule}, FieldOutcome};
/// let ng = parse_country("NG");
/// assert_eq!(compare_phone("0803 123 4567", ng, "+234 803 123 4567", ng).0, FieldOutcome::ExactMatch);
/// assert_eq!(compare_phone("0803 123 4567", ng, "0803 123 4568", ng).0, FieldOutcome::NoMatch);
/// let (outcome, details) = compare_phone("0803-CALL-NOW", ng, "0803", ng);
/// assert_eq!((outcome, details.rule), (FieldOutcome::NoMatch, PhoneRule::Invalid));
/// ```
#[must_use]
pub fn compare_phone(
    a: &str,
    a_country: Option<Country>,
    b: &str,
    b_country: Option<Country>,
) -> (FieldOutcome, PhoneDetails) {
    if check_phone(a).is_err() || check_phone(b).is_err() {
        return (
            FieldOutcome::NoMatch,
            PhoneDetails {
                rule: PhoneRule::Invalid,
            },
        );
    }
    compare_checked(a, a_country, b, b_country)
}

/// [`compare_phone`] on two values that passed [`check_phone`] (the matcher checks every record
/// before comparing, so it does not check again).
pub(crate) fn compare_checked(
    a: &str,
    a_country: Option<Country>,
    b: &str,
    b_country: Option<Country>,
) -> (FieldOutcome, PhoneDetails) {
    let detail = |rule| PhoneDetails { rule };
    if same_digits(a.as_bytes(), b.as_bytes()) {
        return (FieldOutcome::ExactMatch, detail(PhoneRule::SameDigits));
    }
    let parse = |s: &str, own: Option<Country>, other: Option<Country>| {
        phonenumber::parse(own.or(other), s).ok()
    };
    match (
        parse(a, a_country, b_country),
        parse(b, b_country, a_country),
    ) {
        (Some(pa), Some(pb)) => {
            if pa.code().value() == pb.code().value() && pa.national() == pb.national() {
                (FieldOutcome::ExactMatch, detail(PhoneRule::SameNumber))
            } else {
                (FieldOutcome::NoMatch, detail(PhoneRule::DifferentNumber))
            }
        }
        _ => (FieldOutcome::NoMatch, detail(PhoneRule::Unparseable)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_digits_agrees_with_comparing_digit_iterators(a in "[0-9 +()-]{0,14}", b in "[0-9 +()-]{0,14}|\\PC{0,8}") {
            let plain = has_digits(&a) && digits(&a).eq(digits(&b));
            prop_assert_eq!(same_digits(a.as_bytes(), b.as_bytes()), plain);
            prop_assert_eq!(same_digits(a.as_bytes(), a.as_bytes()), has_digits(&a));
        }
    }

    fn cmp(a: &str, ac: &str, b: &str, bc: &str) -> (FieldOutcome, PhoneRule) {
        let (o, d) = compare_phone(a, parse_country(ac), b, parse_country(bc));
        (o, d.rule)
    }

    #[test]
    fn formatting_does_not_matter() {
        assert_eq!(
            cmp("0123456789", "NG", "012-345 (6789)", "NG"),
            (FieldOutcome::ExactMatch, PhoneRule::SameDigits)
        );
        assert_eq!(
            cmp("+234 803 123 4567", "", "234-803-123-4567", ""),
            (FieldOutcome::ExactMatch, PhoneRule::SameDigits)
        );
    }

    #[test]
    fn trunk_prefix_versus_country_code() {
        assert_eq!(
            cmp("08031234567", "NG", "+2348031234567", "NG"),
            (FieldOutcome::ExactMatch, PhoneRule::SameNumber)
        );
        assert_eq!(
            cmp("0712 345 678", "KE", "+254 712 345678", ""),
            (FieldOutcome::ExactMatch, PhoneRule::SameNumber)
        );
        // The other record's country is used when one side has none.
        assert_eq!(
            cmp("+2348031234567", "", "08031234567", "ng"),
            (FieldOutcome::ExactMatch, PhoneRule::SameNumber)
        );
        // The country's international call prefix (00 in Ghana).
        assert_eq!(
            cmp("00233 24 123 4567", "GH", "024 123 4567", "GH").0,
            FieldOutcome::ExactMatch
        );
    }

    #[test]
    fn different_numbers_do_not_match() {
        assert_eq!(
            cmp("08031234567", "NG", "+2348031234568", "NG"),
            (FieldOutcome::NoMatch, PhoneRule::DifferentNumber)
        );
        // Same national digits, different countries.
        assert_eq!(
            cmp("+233 24 123 4567", "", "+234 24 123 4567", "").0,
            FieldOutcome::NoMatch
        );
        // A national number with no country anywhere cannot be tied to a country code.
        assert_eq!(
            cmp("08031234567", "", "+2348031234567", "").0,
            FieldOutcome::NoMatch
        );
    }

    proptest! {
        #[test]
        fn a_checked_phone_is_digits_and_formatting_only(s in "\\PC{0,12}|[0-9 +()./a-zA-Z-]{0,12}") {
            let allowed = |c: char| c.is_ascii_digit() || " +-()./".contains(c)
                || c.is_whitespace() || UNICODE_DASHES.contains(&c);
            match check_phone(&s) {
                Ok(()) => prop_assert!(s.chars().all(allowed) && has_digits(&s)),
                Err(PhoneError::NoDigits) => prop_assert!(s.chars().all(allowed) && !has_digits(&s)),
                Err(PhoneError::Letter) => {
                    let first = s.chars().find(|c| !allowed(*c));
                    prop_assert!(first.is_some_and(char::is_alphabetic));
                }
                Err(PhoneError::OtherCharacter) => {
                    let first = s.chars().find(|c| !allowed(*c));
                    prop_assert!(first.is_some_and(|c| !c.is_alphabetic()));
                }
            }
        }

        #[test]
        fn a_value_with_a_letter_never_matches(d in "[0-9]{1,12}", l in "[a-zA-Z]", at in 0usize..13) {
            let at = at.min(d.len());
            let lettered = format!("{}{l}{}", &d[..at], &d[at..]);
            let ng = parse_country("NG");
            for (a, b) in [(&lettered, &d), (&d, &lettered), (&lettered, &lettered)] {
                prop_assert_eq!(compare_phone(a, ng, b, ng), (FieldOutcome::NoMatch, PhoneDetails { rule: PhoneRule::Invalid }));
            }
        }
    }

    #[test]
    fn letters_and_foreign_digits_are_not_phone_numbers() {
        assert_eq!(check_phone("0803 123 4567"), Ok(()));
        assert_eq!(check_phone("0803\u{2013}123\u{a0}4567"), Ok(()));
        assert_eq!(check_phone("0803-CALL-NOW"), Err(PhoneError::Letter));
        assert_eq!(check_phone("CALL 0803"), Err(PhoneError::Letter));
        assert_eq!(check_phone("0803 ＣＡＬＬ"), Err(PhoneError::Letter));
        assert_eq!(check_phone("0803 é"), Err(PhoneError::Letter));
        assert_eq!(check_phone("０８０３"), Err(PhoneError::OtherCharacter));
        assert_eq!(check_phone("0803\u{200B}"), Err(PhoneError::OtherCharacter));
        // The first character out of place decides.
        assert_eq!(check_phone("0803 ０ A"), Err(PhoneError::OtherCharacter));
        assert_eq!(check_phone("0803 A ０"), Err(PhoneError::Letter));
        assert_eq!(check_phone(" - "), Err(PhoneError::NoDigits));
    }

    #[test]
    fn country_codes() {
        assert_eq!(parse_country("ng"), Some(Country::NG));
        assert_eq!(parse_country(" KE "), Some(Country::KE));
        assert_eq!(parse_country("XX"), None);
        assert_eq!(parse_country("NGA"), None);
        assert_eq!(parse_country("ŃG"), None);
    }
}
