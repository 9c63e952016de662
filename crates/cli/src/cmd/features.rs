//! `underwrite features [FILE|-]`: normalize a signals payload and print the feature vector.
//!
//! Output (one JSON object): `status` (the provider's result code), `features` (every catalog
//! signal: a number, a band such as `"A3"`, `"never"`, `{"text": ...}`, or `null` when missing),
//! `unknown` (signals outside the catalog, `name → value`, in payload order) and `warnings`
//! (one message each). Any payload error, `PROCESSING` included, is bad input: exit status 2
//! and one line on stderr naming the file and the field or signal.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use underwrite_core::features::{FeatureVector, Schema};
use underwrite_core::normalize::{normalize, UnknownSignal};
use underwrite_core::signals::SignalStatus;

use crate::error::CliError;
use crate::input::{read_input, InputName};
use crate::limits::InputLimit;
use crate::output::print_json;

/// Arguments of `underwrite features`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input file, or `-` / nothing for stdin.
    pub input: Option<PathBuf>,
    /// The size cap on the payload.
    #[command(flatten)]
    pub limit: InputLimit,
}

/// What `underwrite features` prints.
#[derive(Serialize)]
struct Output<'a> {
    status: SignalStatus,
    features: &'a FeatureVector,
    unknown: UnknownMap<'a>,
    warnings: Vec<String>,
}

/// Unknown signals as a JSON object `name → value`, in payload order.
struct UnknownMap<'a>(&'a [UnknownSignal]);

impl Serialize for UnknownMap<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for signal in self.0 {
            map.serialize_entry(&signal.name, &signal.value)?;
        }
        map.end()
    }
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let name = InputName::from_arg(args.input.as_deref());
    let bytes = read_input(&name, args.limit)?;
    let schema = Arc::new(Schema::phone_catalog());
    let normalized = normalize(&bytes, &schema).map_err(|e| CliError::bad_input(&name, e))?;
    print_json(&Output {
        status: normalized.status,
        features: &normalized.features,
        unknown: UnknownMap(&normalized.unknown),
        warnings: normalized
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect(),
    })?;
    Ok(ExitCode::SUCCESS)
}
