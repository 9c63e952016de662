//! Pass 1, reading: the policy file's bytes to the typed spec and where every node is.
//!
//! Size and encoding first, then the YAML structure pass (anchors, duplicate keys, depth; it
//! also records node positions), then serde into [`PolicySpec`], whose structs deny unknown
//! fields.

use sha2::{Digest, Sha256};

use super::diagnostics::MAX_DIAGNOSTICS;
use super::error::{Diagnostic, DiagnosticKind, LoadError};
use super::positions::Positions;
use super::spec::PolicySpec;
use super::yaml_guard;

/// Largest policy file accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 1024 * 1024;

/// A policy file, read.
pub(crate) struct SourceFile<'s> {
    /// The file's text.
    pub text: &'s str,
    /// Its contents, typed.
    pub spec: PolicySpec,
    /// Where each node is.
    pub positions: Positions,
    /// SHA-256 of the bytes, in hex.
    pub hash: String,
}

fn whole_file(message: String) -> LoadError {
    LoadError {
        diagnostics: vec![Diagnostic {
            kind: DiagnosticKind::File,
            line: None,
            column: None,
            rule: None,
            message,
        }
        .capped()],
    }
}

/// Read `bytes` as a policy file.
pub(crate) fn read(bytes: &[u8]) -> Result<SourceFile<'_>, LoadError> {
    if bytes.len() > MAX_POLICY_BYTES {
        return Err(whole_file(format!(
            "policy file is {} bytes; the limit is {MAX_POLICY_BYTES}",
            bytes.len()
        )));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| whole_file(format!("policy file is not UTF-8: {e}")))?;
    let shape = yaml_guard::read(text, MAX_DIAGNOSTICS);
    if !shape.problems.is_empty() {
        return Err(LoadError {
            diagnostics: shape.problems.into_iter().map(Diagnostic::capped).collect(),
        });
    }
    let spec: PolicySpec = serde_yaml::from_str(text).map_err(|e| LoadError {
        diagnostics: vec![Diagnostic {
            kind: DiagnosticKind::Shape,
            line: e.location().map(|l| l.line()),
            column: e.location().map(|l| l.column()),
            rule: None,
            message: e.to_string(),
        }
        .capped()],
    })?;
    Ok(SourceFile {
        text,
        spec,
        positions: shape.positions,
        hash: hex::encode(Sha256::digest(bytes)),
    })
}
