//! Authentication flags (bearer tokens for the decision and admin routes).
//!
//! `--tokens FILE` and `--admin-tokens FILE` name files of tokens, one per line (`#` comments
//! and blank lines skipped); without a flag, `UNDERWRITE_TOKENS` / `UNDERWRITE_ADMIN_TOKENS`
//! hold the tokens themselves, comma-separated. A flag wins over its variable. The service's
//! `TokenSet` parses the text; this module reads the files and the environment, and warns about
//! a token file other users can read (refusing it would break the common case of a secret
//! mounted read-only with mode 0644 in a container).

use std::ffi::OsString;
use std::fs::File;
use std::path::Path;

use underwrite_service::{Config, TokenSet, Tokens, ADMIN_TOKENS_ENV, TOKENS_ENV};

use crate::error::CliError;
use crate::input::{read_capped, ReadError};
use crate::limits::ByteSize;

/// The largest token file read.
const MAX_TOKEN_FILE: ByteSize = ByteSize(1 << 20);

/// Authentication flags (bearer tokens for the decision and admin routes).
#[derive(Debug, clap::Args)]
pub struct AuthArgs {
    /// File of decision tokens, one per line (`#` comments; at least 16 characters each). Without
    /// it or UNDERWRITE_TOKENS (comma-separated tokens), the decision routes are open.
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<std::path::PathBuf>,
    /// File of admin tokens, for POST /v1/admin/reload (they work on the decision routes too).
    /// Without it or UNDERWRITE_ADMIN_TOKENS, the admin routes are refused (403).
    #[arg(long, value_name = "FILE")]
    pub admin_tokens: Option<std::path::PathBuf>,
}

impl AuthArgs {
    /// Set these options in `config`.
    pub fn apply(&self, config: &mut Config) -> Result<(), CliError> {
        self.apply_with_env(config, |name| std::env::var_os(name))
    }

    /// [`AuthArgs::apply`] with the environment given (tests pass their own).
    fn apply_with_env(
        &self,
        config: &mut Config,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<(), CliError> {
        let decide = token_set(self.tokens.as_deref(), "--tokens", TOKENS_ENV, &env)?;
        let admin = token_set(
            self.admin_tokens.as_deref(),
            "--admin-tokens",
            ADMIN_TOKENS_ENV,
            &env,
        )?;
        if decide.is_none() && !config.listen.ip().is_loopback() {
            tracing::warn!(
                "no decision tokens (--tokens or {TOKENS_ENV}): the decision routes are open to \
                 anyone who can reach {}",
                config.listen
            );
        }
        config.tokens = (decide.is_some() || admin.is_some()).then(|| Tokens::new(decide, admin));
        Ok(())
    }
}

/// The tokens of `file`, else of the variable `var`, else none.
fn token_set(
    file: Option<&Path>,
    flag: &str,
    var: &str,
    env: &impl Fn(&str) -> Option<OsString>,
) -> Result<Option<TokenSet>, CliError> {
    let from_env = env(var);
    if let Some(path) = file {
        if from_env.is_some() {
            tracing::warn!("{var} is ignored: {flag} is given");
        }
        let text = read_token_file(path)?;
        return TokenSet::from_lines(&text)
            .map(Some)
            .map_err(|e| CliError::bad_input(path.display(), e));
    }
    let Some(value) = from_env else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .ok_or_else(|| CliError::bad_input(var, "not UTF-8"))?;
    TokenSet::from_list(value)
        .map(Some)
        .map_err(|e| CliError::bad_input(var, e))
}

/// Read a token file (at most 1 MiB of UTF-8), warning when other users can read it.
fn read_token_file(path: &Path) -> Result<String, CliError> {
    let file = File::open(path).map_err(|e| CliError::bad_input(path.display(), e))?;
    warn_if_readable_by_others(path, &file);
    let bytes = read_capped(file, MAX_TOKEN_FILE).map_err(|e| match e {
        ReadError::TooLarge => CliError::bad_input(
            path.display(),
            format!("a token file holds at most {} bytes", MAX_TOKEN_FILE.0),
        ),
        ReadError::Io(e) => CliError::bad_input(path.display(), e),
    })?;
    String::from_utf8(bytes).map_err(|_| CliError::bad_input(path.display(), "not UTF-8"))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path, file: &File) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = file.metadata() {
        let mode = meta.permissions().mode();
        if mode & 0o004 != 0 {
            tracing::warn!(
                "{} can be read by every user (mode {:o}); `chmod o-r` it",
                path.display(),
                mode & 0o777
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path, _file: &File) {}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::SocketAddr;

    use super::*;

    const DECIDE: &str = "decide-token-0123456789";
    const ADMIN: &str = "admin-token-0123456789ab";

    fn config() -> Config {
        Config::new("policy.yaml", SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(text.as_bytes()).expect("write");
        f
    }

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    fn set(tokens: &[&str]) -> Option<TokenSet> {
        Some(TokenSet::from_list(&tokens.join(",")).expect("tokens"))
    }

    #[test]
    fn token_files_give_the_decision_and_admin_sets() {
        let decide = file(&format!(
            "# decision tokens\n\n{DECIDE}\n  other-token-abcdefghij  \n"
        ));
        let admin = file(&format!("{ADMIN}\n"));
        let args = AuthArgs {
            tokens: Some(decide.path().to_path_buf()),
            admin_tokens: Some(admin.path().to_path_buf()),
        };
        let mut config = config();
        args.apply_with_env(&mut config, no_env).expect("applies");
        assert_eq!(
            config.tokens,
            Some(Tokens::new(
                set(&[DECIDE, "other-token-abcdefghij"]),
                set(&[ADMIN])
            ))
        );
    }

    #[test]
    fn without_flags_the_environment_gives_them_and_a_flag_wins_over_its_variable() {
        let env = |name: &str| match name {
            TOKENS_ENV => Some(OsString::from(format!("{DECIDE}, second-token-0123456789"))),
            ADMIN_TOKENS_ENV => Some(OsString::from(ADMIN)),
            _ => None,
        };
        let mut config = config();
        let none = AuthArgs {
            tokens: None,
            admin_tokens: None,
        };
        none.apply_with_env(&mut config, env).expect("applies");
        assert_eq!(
            config.tokens,
            Some(Tokens::new(
                set(&[DECIDE, "second-token-0123456789"]),
                set(&[ADMIN])
            ))
        );
        let from_file = file("file-token-0123456789\n");
        let flag = AuthArgs {
            tokens: Some(from_file.path().to_path_buf()),
            admin_tokens: None,
        };
        flag.apply_with_env(&mut config, env).expect("applies");
        assert_eq!(
            config.tokens,
            Some(Tokens::new(set(&["file-token-0123456789"]), set(&[ADMIN])))
        );
        none.apply_with_env(&mut config, no_env).expect("applies");
        assert_eq!(config.tokens, None, "nothing given: no tokens at all");
    }

    #[test]
    fn a_refused_file_or_variable_is_named_and_its_tokens_are_not_shown() {
        let short = file(&format!("{DECIDE}\n\nshort-secret\n"));
        let args = AuthArgs {
            tokens: Some(short.path().to_path_buf()),
            admin_tokens: None,
        };
        let err = args
            .apply_with_env(&mut config(), no_env)
            .expect_err("refused")
            .to_string();
        assert_eq!(
            err,
            format!(
                "{}: line 3: a token must be at least 16 characters (this one has 12)",
                short.path().display()
            )
        );
        assert!(!err.contains("short-secret") && !err.contains(DECIDE));
        let empty = |name: &str| (name == ADMIN_TOKENS_ENV).then(|| OsString::from(" , "));
        let none = AuthArgs {
            tokens: None,
            admin_tokens: None,
        };
        let err = none
            .apply_with_env(&mut config(), empty)
            .expect_err("refused");
        assert_eq!(
            err.to_string(),
            "UNDERWRITE_ADMIN_TOKENS: no token given (at least one is needed)"
        );
        let comments_only = file("# nothing yet\n\n");
        let args = AuthArgs {
            tokens: None,
            admin_tokens: Some(comments_only.path().to_path_buf()),
        };
        assert!(args.apply_with_env(&mut config(), no_env).is_err());
    }
}
