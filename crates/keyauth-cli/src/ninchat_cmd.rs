//! `keyauth ninchat`: not written yet.

use crate::exit::{CliError, Exit};
use crate::output::Output;

/// Arguments of `keyauth ninchat`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args, _out: &Output) -> Result<Exit, CliError> {
    Err(CliError::input("unsupported", "not written yet"))
}
