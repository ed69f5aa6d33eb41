//! `switchboard export`: the setup as one TOML file (see [`crate::as_code`]).

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the file here instead of to standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    server: crate::cli::ServerArgs,
}

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let store = crate::cli::open_store_for_cli(&args.server.load()?).await?;
    let made = crate::as_code::export::export(&*store).await?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &made.toml)
                .map_err(|e| anyhow::anyhow!("--out {}: {e}", path.display()))?;
            eprintln!("Wrote {}.", path.display());
        }
        None => print!("{}", made.toml),
    }
    if !made.secrets.is_empty() {
        eprintln!(
            "The file refers to {} secret(s); set each of these variables before applying it:",
            made.secrets.len()
        );
        for s in &made.secrets {
            eprintln!("  {}  ({})", s.env, s.what);
        }
    }
    for l in &made.left_out {
        eprintln!("note: not in the file: {l}");
    }
    Ok(())
}
