//! KYC matching benchmarks (placeholder until the KYC issue lands).
fn main() {}
