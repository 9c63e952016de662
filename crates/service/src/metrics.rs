//! Prometheus metrics. PLACEHOLDER: records nothing yet.

use crate::decide::Made;
use crate::problem::Problem;

/// The service's metrics.
#[derive(Debug, Default)]
pub struct Metrics {}

impl Metrics {
    /// Fresh metrics.
    pub fn new() -> Metrics {
        Metrics {}
    }

    /// Count a decision made.
    pub fn decided(&self, _made: &Made) {}

    /// Count a refused request.
    pub fn refused(&self, _problem: &Problem) {}

    /// Count a reload.
    pub fn reloaded(&self, _replaced: bool) {}

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        String::new()
    }
}
