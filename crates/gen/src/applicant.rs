//! The latent applicant: a risk that nobody observes, which drives both the signals and the
//! outcome, and how active a borrower they are.

use crate::draw::Draw;

/// How much credit activity an applicant has, independent of their risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    /// Almost no history (new to credit): few events, often a NO_DATA answer.
    Thin,
    /// An ordinary borrower.
    Regular,
    /// Many loans and applications.
    Heavy,
}

impl Activity {
    /// The factor on every event rate.
    pub(crate) fn rate(self) -> f64 {
        match self {
            Activity::Thin => 0.15,
            Activity::Regular => 1.0,
            Activity::Heavy => 1.8,
        }
    }
}

/// One applicant's hidden traits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Applicant {
    /// Latent risk in `[0, 1)`: the mean of three uniforms, so bell-shaped around 0.5.
    pub(crate) risk: f64,
    /// Credit activity.
    pub(crate) activity: Activity,
}

impl Applicant {
    /// Draw an applicant.
    pub(crate) fn draw(d: &mut Draw) -> Self {
        let risk = (d.unit() + d.unit() + d.unit()) / 3.0;
        let roll = d.unit();
        let activity = if roll < 0.15 {
            Activity::Thin
        } else if roll < 0.75 {
            Activity::Regular
        } else {
            Activity::Heavy
        };
        Self { risk, activity }
    }

    /// The probability that a loan to this applicant goes bad: low and flat for most, rising
    /// steeply (with the fourth power of the risk) for the riskiest; about 10% overall.
    pub(crate) fn bad_probability(&self) -> f64 {
        let r2 = self.risk * self.risk;
        0.004 + 0.9 * r2 * r2
    }
}
