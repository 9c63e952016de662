//! Byte counts in messages, written as the size flags read them: every surface (core's
//! messages, the CLI's flags, the service's start errors) shows sizes through [`Size`].

use std::fmt;

/// A byte count shown in binary units when it is a whole number of them (`1 MiB`, `3 KiB`),
/// else in bytes (`1536 bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
            let size = 1u64 << shift;
            if self.0 >= size && self.0 % size == 0 {
                return write!(f, "{} {unit}", self.0 / size);
            }
        }
        write!(f, "{} bytes", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Size;

    #[test]
    fn whole_units_or_bytes() {
        for (bytes, text) in [
            (0, "0 bytes"),
            (1023, "1023 bytes"),
            (1024, "1 KiB"),
            (1536, "1536 bytes"),
            (3 << 10, "3 KiB"),
            (1 << 20, "1 MiB"),
            (8 << 20, "8 MiB"),
            (1 << 30, "1 GiB"),
        ] {
            assert_eq!(Size(bytes).to_string(), text);
        }
    }
}
