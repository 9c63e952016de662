//! The applicant's KYC request: what they submitted and what the ID authority holds, in the
//! shape of `testdata/kyc/joe-exact.json`, with the variants real traffic has.

use std::fmt::Write;

use crate::draw::Draw;
use crate::json;

const MALE: &[&str] = &[
    "Chinedu",
    "Emeka",
    "Tunde",
    "Oluwaseun",
    "Ibrahim",
    "Musa",
    "Ifeanyi",
    "Babajide",
    "Kelechi",
    "Segun",
    "Abdullahi",
    "Obinna",
    "Kunle",
    "Uche",
    "Yusuf",
    "Chukwuma",
    "Femi",
    "Sani",
    "Olumide",
    "Nnamdi",
    "Joseph",
    "Daniel",
    "Samuel",
    "David",
];
const FEMALE: &[&str] = &[
    "Adaeze",
    "Ngozi",
    "Funmilayo",
    "Aisha",
    "Chiamaka",
    "Folake",
    "Zainab",
    "Nkechi",
    "Yetunde",
    "Amina",
    "Ifeoma",
    "Bukola",
    "Hauwa",
    "Titilayo",
    "Chioma",
    "Omolara",
    "Fatima",
    "Blessing",
    "Grace",
    "Esther",
    "Mary",
    "Ruth",
    "Halima",
    "Kemi",
];
const LAST: &[&str] = &[
    "Okonkwo",
    "Adeyemi",
    "Bello",
    "Okafor",
    "Balogun",
    "Eze",
    "Abubakar",
    "Ogunleye",
    "Nwosu",
    "Adebayo",
    "Mohammed",
    "Obi",
    "Olawale",
    "Chukwu",
    "Danjuma",
    "Afolabi",
    "Onyeka",
    "Lawal",
    "Ibekwe",
    "Ogunbanjo",
    "Usman",
    "Nwachukwu",
    "Akinola",
    "Emenike",
    "Okoro",
    "Yakubu",
];
/// Nigerian mobile prefixes (after the trunk 0).
const PREFIXES: &[&str] = &[
    "803", "806", "813", "816", "703", "706", "810", "814", "905", "802",
];
/// Days in each month of a non-leap year (no one here is born on 29 February).
const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// The applicant as the authority knows them.
pub(crate) struct Person {
    first: &'static str,
    middle: Option<&'static str>,
    last: &'static str,
    dob: (u32, u32, u32),
    male: bool,
    /// The mobile number without the trunk 0: a prefix and seven digits.
    mobile: (&'static str, u32),
}

impl Person {
    /// Draw a person.
    pub(crate) fn draw(d: &mut Draw) -> Self {
        let male = d.chance(0.5);
        let firsts = if male { MALE } else { FEMALE };
        let first = d.pick(firsts).copied().unwrap_or("Joe");
        let middle = if d.chance(0.6) {
            d.pick(firsts).copied().filter(|m| *m != first)
        } else {
            None
        };
        let last = d.pick(LAST).copied().unwrap_or("Leo");
        let month = d.between(1, 12);
        let day = d.between(1, MONTH_DAYS[month as usize - 1]);
        let dob = (d.between(1960, 2005), month, day);
        let mobile = (
            d.pick(PREFIXES).copied().unwrap_or("803"),
            d.between(0, 9_999_999),
        );
        Self {
            first,
            middle,
            last,
            dob,
            male,
            mobile,
        }
    }

    /// The phone in E.164, as the signals request carried it.
    pub(crate) fn e164(&self) -> String {
        format!("+234{}{:07}", self.mobile.0, self.mobile.1)
    }
}

/// What the KYC part of a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// Both records agree (case and formatting aside).
    Exact,
    /// One edit in the submitted first or last name.
    Typo,
    /// First and last names submitted the wrong way round.
    Swapped,
    /// Day and month of the birth date flipped (or a day off when they cannot flip).
    DobFlip,
    /// Only the names submitted.
    Missing,
    /// The ID was not found: `authority` is `null`.
    InvalidId,
    /// The ID authority could not be queried.
    IssuerUnavailable,
    /// Someone else's ID: the authority's record is another person.
    Impostor,
    /// The line has no `kyc` at all.
    Absent,
}

impl Variant {
    /// Draw a variant; impostors are likelier among risky applicants.
    pub(crate) fn draw(d: &mut Draw, risk: f64) -> Self {
        let impostor = 0.004 + 0.03 * risk * risk;
        let roll = d.unit();
        let table = [
            (0.08, Variant::Typo),
            (0.03, Variant::Swapped),
            (0.03, Variant::DobFlip),
            (0.05, Variant::Missing),
            (0.02, Variant::InvalidId),
            (0.01, Variant::IssuerUnavailable),
            (impostor, Variant::Impostor),
            (0.05, Variant::Absent),
        ];
        let mut edge = 0.0;
        for (share, variant) in table {
            edge += share;
            if roll < edge {
                return variant;
            }
        }
        Variant::Exact
    }
}

/// Where a record is going and how it writes names and phones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// What the applicant typed.
    Submitted,
    /// The authority's record.
    Authority,
}

/// A name with one edit: a letter replaced, dropped or two swapped.
fn typo(d: &mut Draw, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 3 {
        chars.push('e');
        return chars.into_iter().collect();
    }
    let at = 1 + d.below(chars.len() as u64 - 2) as usize;
    match d.below(3) {
        0 => chars[at] = if chars[at] == 'a' { 'e' } else { 'a' },
        1 => {
            chars.remove(at);
        }
        _ => chars.swap(at, at + 1),
    }
    chars.into_iter().collect()
}

/// Which fields a record carries besides the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Names only.
    NamesOnly,
    /// Names, date of birth and (often) gender, phone and country.
    Full,
}

/// One record's contents before formatting.
struct Shown<'a> {
    first: &'a str,
    middle: Option<&'a str>,
    last: &'a str,
    dob: (u32, u32, u32),
    person: &'a Person,
}

/// Append one record.
fn record(out: &mut String, d: &mut Draw, side: Side, r: &Shown<'_>, detail: Detail) {
    let upper = side == Side::Authority && d.chance(0.5);
    let name = |s: &str| {
        if upper {
            s.to_uppercase()
        } else {
            s.to_owned()
        }
    };
    out.push('{');
    json::field(out, "first_name", &name(r.first));
    if let Some(m) = r
        .middle
        .filter(|_| side == Side::Submitted || d.chance(0.8))
    {
        out.push(',');
        json::field(out, "middle_name", &name(m));
    }
    out.push(',');
    json::field(out, "last_name", &name(r.last));
    if detail == Detail::NamesOnly {
        out.push('}');
        return;
    }
    let (y, m, day) = r.dob;
    let _ = write!(out, ",\"dob\":\"{y:04}-{m:02}-{day:02}\"");
    if side == Side::Authority || d.chance(0.7) {
        let g = match (side, r.person.male) {
            (Side::Submitted, true) => "M",
            (Side::Submitted, false) => "F",
            (Side::Authority, true) => "Male",
            (Side::Authority, false) => "Female",
        };
        out.push(',');
        json::field(out, "gender", g);
    }
    if d.chance(0.7) {
        let (prefix, rest) = r.person.mobile;
        let _ = match side {
            Side::Submitted => write!(out, ",\"phone_number\":\"0{prefix}{rest:07}\""),
            Side::Authority => write!(
                out,
                ",\"phone_number\":\"+234 {prefix} {:03} {:04}\"",
                rest / 10_000,
                rest % 10_000
            ),
        };
    }
    if side == Side::Submitted {
        out.push(',');
        json::field(out, "country", "NG");
    }
    out.push('}');
}

/// Append the KYC request of `p` in variant `v` (nothing for [`Variant::Absent`]).
pub(crate) fn write(out: &mut String, d: &mut Draw, p: &Person, v: Variant) {
    if v == Variant::Absent {
        return;
    }
    let (y, m, day) = p.dob;
    let submitted_dob = match v {
        Variant::DobFlip if day <= 12 && day != m => (y, day, m),
        Variant::DobFlip => (y, m, if day > 1 { day - 1 } else { 2 }),
        _ => p.dob,
    };
    let (first, last) = match v {
        Variant::Swapped => (p.last.to_owned(), p.first.to_owned()),
        Variant::Typo if d.chance(0.5) => (typo(d, p.first), p.last.to_owned()),
        Variant::Typo => (p.first.to_owned(), typo(d, p.last)),
        _ => (p.first.to_owned(), p.last.to_owned()),
    };
    let detail = if v == Variant::Missing {
        Detail::NamesOnly
    } else {
        Detail::Full
    };
    out.push_str(",\"kyc\":{\"submitted\":");
    let submitted = Shown {
        first: &first,
        middle: p.middle,
        last: &last,
        dob: submitted_dob,
        person: p,
    };
    record(out, d, Side::Submitted, &submitted, detail);
    out.push_str(",\"authority\":");
    match v {
        Variant::InvalidId | Variant::IssuerUnavailable => out.push_str("null"),
        Variant::Impostor => {
            let other = Person::draw(d);
            let shown = Shown {
                first: other.first,
                middle: other.middle,
                last: other.last,
                dob: other.dob,
                person: &other,
            };
            record(out, d, Side::Authority, &shown, Detail::Full);
        }
        _ => {
            let shown = Shown {
                first: p.first,
                middle: p.middle,
                last: p.last,
                dob: p.dob,
                person: p,
            };
            record(out, d, Side::Authority, &shown, Detail::Full);
        }
    }
    if v == Variant::IssuerUnavailable {
        out.push_str(",\"issuer_unavailable\":true");
    }
    out.push('}');
}
