//! One line: the draws in a fixed order, then the text `{"id", "signals", "kyc", "outcome"}`.
//!
//! The first two draws of every line decide whether it is malformed and how; they are made
//! whatever the share, so raising `--malformed-share` corrupts more of the *same* applications
//! and leaves every other line's bytes unchanged.

use std::fmt::Write;

use crate::applicant::{Activity, Applicant};
use crate::draw::Draw;
use crate::history::History;
use crate::kyc::{self, Person, Variant};
use crate::malformed::{self, Malformed, MalformedShare};
use crate::payload::{Outcome, Payload, Shape};
use crate::signals::{self, Amounts, EmptyAs, Style};

/// What a generated line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// A well-formed application (its signals may still be NO_DATA or unavailable).
    Application,
    /// A deliberately broken line.
    Malformed(Malformed),
}

/// The provider account's habits for this line.
fn style(d: &mut Draw, a: &Applicant) -> Style {
    let empty = if d.chance(0.3) {
        EmptyAs::Zero
    } else {
        EmptyAs::Null
    };
    let amounts = if d.chance(0.12) {
        Amounts::Banded
    } else {
        Amounts::Exact
    };
    let null_share = if a.activity == Activity::Thin {
        0.5
    } else {
        0.03
    };
    Style {
        empty,
        amounts,
        marketing_null: d.chance(null_share),
    }
}

/// The request's result: thin files are often unknown to the provider.
fn outcome(d: &mut Draw, a: &Applicant) -> Outcome {
    let no_data = if a.activity == Activity::Thin {
        0.15
    } else {
        0.01
    };
    let roll = d.unit();
    if roll < no_data {
        Outcome::NoData
    } else if roll < no_data + 0.015 {
        Outcome::Unavailable
    } else {
        Outcome::Success
    }
}

/// Append line `index` (no newline) and say what it is.
pub(crate) fn write(seed: u64, share: MalformedShare, index: u64, out: &mut String) -> LineKind {
    let mut d = Draw::new(seed, index);
    let corrupted = d.chance_ppm(share.ppm());
    let how = Malformed::draw(&mut d);
    let kind = if corrupted {
        LineKind::Malformed(how)
    } else {
        LineKind::Application
    };

    let applicant = Applicant::draw(&mut d);
    let history = History::draw(&mut d, &applicant);
    let style = style(&mut d, &applicant);
    let shape = if d.chance(0.5) {
        Shape::Items
    } else {
        Shape::Result
    };
    let mut result = outcome(&mut d, &applicant);
    let mut values = signals::values(&history, style);
    if kind == LineKind::Malformed(Malformed::BadSignalValue) {
        result = Outcome::Success;
        malformed::corrupt(&mut d, &mut values);
    }
    let person = Person::draw(&mut d);
    let variant = Variant::draw(&mut d, applicant.risk);
    let p_bad = if variant == Variant::Impostor {
        0.6
    } else {
        applicant.bad_probability()
    };
    let bad = d.chance(p_bad);
    let unbooked = d.chance(0.08 + 0.15 * applicant.risk);
    let unlabelled_key = d.chance(0.02);

    let start = out.len();
    // The id counts from 1; as a u128 so that the last index, u64::MAX, has one too.
    let _ = write!(out, "{{\"id\":\"app-{:07}\",", u128::from(index) + 1);
    out.push_str(if kind == LineKind::Malformed(Malformed::WrongShape) {
        "\"signal\":"
    } else {
        "\"signals\":"
    });
    let phone = person.e164();
    Payload {
        shape,
        outcome: result,
        phone: &phone,
        values: &values,
    }
    .write(out, &mut d);
    kyc::write(out, &mut d, &person, variant);
    match (unlabelled_key, unbooked, bad) {
        (true, _, _) => {}
        (false, true, _) => out.push_str(",\"outcome\":{\"bad\":null}"),
        (false, false, bad) => {
            let _ = write!(out, ",\"outcome\":{{\"bad\":{bad}}}");
        }
    }
    out.push('}');

    if kind == LineKind::Malformed(Malformed::NotJson) {
        // Any proper prefix of a JSON object is not JSON; keep at least the `{`.
        let len = out.len() - start;
        let mut cut = start + 1 + d.below(len as u64 - 1) as usize;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    kind
}
