//! `switchboard simulate …` (filled in with the carrier simulator).
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum SimulateCommand {
    /// Placeholder.
    Call,
}

pub async fn run(_c: SimulateCommand) -> anyhow::Result<()> {
    Ok(())
}
