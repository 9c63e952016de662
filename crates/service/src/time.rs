//! Times as the service writes them: RFC 3339 in UTC with milliseconds.

use std::time::SystemTime;

/// `2026-11-26T09:30:00.123Z`.
pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}
