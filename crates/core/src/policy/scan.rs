//! Finding the names an expression reads, before Rhai compiles it.
//!
//! Rhai's strict-variables mode would reject an unknown name too, but only with "Undefined
//! variable"; scanning first lets a load error say which feature is unknown and suggest the
//! closest one, and gives each expression the list of inputs its trace reports.

/// A name an expression reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Name {
    /// A feature, alias or derived feature.
    Feature(String),
    /// `kyc.<field>`.
    Kyc(String),
}

const KEYWORDS: [&str; 22] = [
    "true", "false", "if", "else", "switch", "in", "let", "const", "this", "global", "return",
    "throw", "try", "catch", "break", "continue", "fn", "while", "loop", "for", "do", "until",
];

/// The names `src` reads, in first-use order, without duplicates.
pub fn names(src: &str) -> Vec<Name> {
    let mut out: Vec<Name> = Vec::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut prev_significant: Option<char> = None;
    while let Some(&c) = chars.get(i) {
        match c {
            '"' | '\'' | '`' => {
                i += 1;
                while let Some(&d) = chars.get(i) {
                    i += 1;
                    if d == '\\' {
                        i += 1;
                    } else if d == c {
                        break;
                    }
                }
                prev_significant = Some(c);
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while chars.get(i).is_some_and(|d| *d != '\n') {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len()
                    && !(chars.get(i) == Some(&'*') && chars.get(i + 1) == Some(&'/'))
                {
                    i += 1;
                }
                i += 2;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_alphanumeric() || *d == '_')
                {
                    i += 1;
                }
                let word: String = chars.get(start..i).unwrap_or_default().iter().collect();
                let mut j = i;
                while chars.get(j).is_some_and(|d| d.is_whitespace()) {
                    j += 1;
                }
                let next = chars.get(j).copied();
                let after_dot = prev_significant == Some('.');
                let is_call = next == Some('(');
                let is_key = next == Some(':') && chars.get(j + 1) != Some(&':');
                if !after_dot && !is_call && !is_key && !KEYWORDS.contains(&word.as_str()) {
                    let name = if word == "kyc" && next == Some('.') {
                        let mut k = j + 1;
                        while chars.get(k).is_some_and(|d| d.is_whitespace()) {
                            k += 1;
                        }
                        let fstart = k;
                        while chars
                            .get(k)
                            .is_some_and(|d| d.is_alphanumeric() || *d == '_')
                        {
                            k += 1;
                        }
                        Name::Kyc(chars.get(fstart..k).unwrap_or_default().iter().collect())
                    } else {
                        Name::Feature(word)
                    };
                    if !out.contains(&name) {
                        out.push(name);
                    }
                }
                prev_significant = Some('a');
            }
            c if c.is_ascii_digit() => {
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_alphanumeric() || *d == '_' || *d == '.')
                {
                    i += 1;
                }
                prev_significant = Some('0');
            }
            c if c.is_whitespace() => i += 1,
            c => {
                prev_significant = Some(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Name {
        Name::Feature(s.to_string())
    }

    #[test]
    fn finds_features_and_kyc_fields() {
        assert_eq!(
            names("overdue_30 > 2 && kyc.names == \"No Match\" || is_missing(x) && overdue_30 < 9"),
            vec![f("overdue_30"), Name::Kyc("names".into()), f("x")]
        );
    }

    #[test]
    fn skips_strings_comments_methods_keys_and_keywords() {
        assert!(names("\"a b\" == 'c' // d e\n").is_empty());
        assert_eq!(names("x.abs() > 1.5 /* y */ && true"), vec![f("x")]);
        assert_eq!(
            names("if a { b } else { #{k: c}.k }"),
            vec![f("a"), f("b"), f("c")]
        );
    }
}
