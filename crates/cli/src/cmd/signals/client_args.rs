//! The provider client's settings, shared by `underwrite signals fetch` and `underwrite serve`:
//! credentials from the environment only (a flag would show the secret in `ps`), the rest from
//! the environment or flags (a flag wins).

use std::time::Duration;

use underwrite_signals_client::{parse_base_url, parse_country, vars, Api, ClientConfig, Country};

use crate::error::{CliError, EXIT_BAD_INPUT};

/// Beta or alpha paths, as a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiArg {
    /// `/beta/signals` (`items`).
    Beta,
    /// `/alpha/signals` (`result`).
    Alpha,
}

/// The provider client's flags.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// The provider's base URL [env: UNDERWRITE_SIGNALS_BASE_URL; default: the production
    /// `https://open.smileapi.io/v1`]. The key and secret come only from
    /// UNDERWRITE_SIGNALS_KEY and UNDERWRITE_SIGNALS_SECRET.
    #[arg(id = "signals_base_url", long = "signals-base-url", value_name = "URL")]
    pub base_url: Option<String>,
    /// The signal template id sent when a request names none [env: UNDERWRITE_SIGNALS_TEMPLATE].
    #[arg(id = "signals_template", long = "signals-template", value_name = "ID")]
    pub template: Option<String>,
    /// Which API paths to call.
    #[arg(
        id = "signals_api",
        long = "signals-api",
        value_enum,
        default_value = "beta"
    )]
    pub api: ApiArg,
    /// Milliseconds a whole fetch may take (retries and polling included); then the signals
    /// are unavailable.
    #[arg(
        id = "signals_deadline_ms",
        long = "signals-deadline-ms",
        value_name = "MS",
        default_value_t = 5000
    )]
    pub deadline_ms: u64,
    /// Milliseconds to connect to the provider.
    #[arg(
        id = "signals_connect_ms",
        long = "signals-connect-ms",
        value_name = "MS",
        default_value_t = 1000
    )]
    pub connect_ms: u64,
    /// POSTs tried at most, retrying only when the provider certainly did not process one (no
    /// connection, HTTP 408/429/500/503, SYSTEM_ERROR, SERVICE_UNAVAILABLE).
    #[arg(
        id = "signals_max_posts",
        long = "signals-max-posts",
        value_name = "N",
        default_value_t = 3
    )]
    pub max_posts: u32,
    /// The country of phone numbers given without their country code (ISO 3166-1 alpha-2,
    /// e.g. PH).
    #[arg(id = "signals_country", long = "signals-country", value_name = "CC")]
    pub country: Option<String>,
}

impl ClientArgs {
    /// Whether the environment holds credentials, or a flag asks for the provider: then
    /// [`ClientArgs::config`] must succeed.
    pub fn requested(&self) -> bool {
        std::env::var_os(vars::KEY).is_some()
            || std::env::var_os(vars::SECRET).is_some()
            || self.base_url.is_some()
    }

    /// The client's configuration: the environment, then the flags.
    pub fn config(&self) -> Result<ClientConfig, CliError> {
        let bad = |message: String| CliError::with_status(EXIT_BAD_INPUT, message);
        let mut config = ClientConfig::from_vars(|name| std::env::var(name).ok())
            .map_err(|e| bad(e.to_string()))?;
        if let Some(url) = &self.base_url {
            config.base_url =
                parse_base_url("--signals-base-url", url).map_err(|e| bad(e.to_string()))?;
        }
        if let Some(template) = &self.template {
            config.default_template = Some(template.clone());
        }
        config.api = match self.api {
            ApiArg::Beta => Api::Beta,
            ApiArg::Alpha => Api::Alpha,
        };
        config.deadlines.total = Duration::from_millis(self.deadline_ms.max(1));
        config.deadlines.connect = Duration::from_millis(self.connect_ms.max(1));
        config.deadlines.poll_request = config.deadlines.poll_request.min(config.deadlines.total);
        config.retry.max_posts = self.max_posts.max(1);
        config.validate().map_err(|e| bad(e.to_string()))?;
        Ok(config)
    }

    /// `--signals-country`, parsed.
    pub fn country(&self) -> Result<Option<Country>, CliError> {
        self.country
            .as_deref()
            .map(|code| {
                parse_country(code)
                    .map_err(|e| CliError::with_status(EXIT_BAD_INPUT, format!("--signals-{e}")))
            })
            .transpose()
    }
}
