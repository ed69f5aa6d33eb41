//! `switchboard schedule resolve|shifts`: the routing's own schedule engine, from a file.

use anyhow::{anyhow, Context};
use clap::Subcommand;
use std::path::PathBuf;
use switchboard_core::schedule::{Engine, Schedule};

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Who is on call at an instant: {"user", "source"}.
    Resolve {
        /// A schedule in the API's JSON format.
        #[arg(long)]
        file: PathBuf,
        /// RFC 3339 instant, e.g. 2026-11-24T09:00:00Z (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// The final shifts between two instants: [{"start", "end", "user"}], gaps omitted.
    Shifts {
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
}

/// One shift as printed (fields in this order).
#[derive(serde::Serialize)]
pub struct ShiftOut {
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    pub user: Option<switchboard_core::UserId>,
    /// Everyone on call, in order (several when a group or an added person is).
    pub users: Vec<switchboard_core::UserId>,
}

#[derive(serde::Serialize)]
struct ResolveOut {
    user: Option<switchboard_core::UserId>,
    users: Vec<switchboard_core::UserId>,
    source: Option<String>,
}

fn instant(flag: &str, raw: &str) -> anyhow::Result<jiff::Timestamp> {
    raw.parse().map_err(|e| {
        anyhow!("--{flag}: '{raw}' is not an RFC 3339 instant such as 2026-11-24T09:00:00Z ({e})")
    })
}

/// Reads and compiles a schedule file.
pub fn load(file: &PathBuf) -> anyhow::Result<Engine> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("--file: cannot read {}", file.display()))?;
    let schedule: Schedule = crate::json::from_str(&text)
        .map_err(|e| anyhow!("--file {}: not a schedule: {e}", file.display()))?;
    Engine::new(&schedule).map_err(|e| anyhow!("--file {}: {e}", file.display()))
}

pub fn run(c: ScheduleCommand) -> anyhow::Result<()> {
    match c {
        ScheduleCommand::Resolve { file, at } => {
            let engine = load(&file)?;
            let at = match at {
                Some(at) => instant("at", &at)?,
                None => jiff::Timestamp::now(),
            };
            let oc = engine.on_call(at);
            let out = ResolveOut {
                user: oc.first(),
                users: oc.users.clone(),
                source: oc.source.map(|s| s.label()),
            };
            println!("{}", serde_json::to_string(&out)?);
        }
        ScheduleCommand::Shifts { file, from, to } => {
            let engine = load(&file)?;
            let (from, to) = (instant("from", &from)?, instant("to", &to)?);
            if to <= from {
                return Err(anyhow!("--to must be after --from"));
            }
            if to.as_second() - from.as_second() > 366 * 86_400 {
                return Err(anyhow!("--from to --to may span at most 366 days"));
            }
            let shifts: Vec<_> = engine
                .shifts(from, to)
                .into_iter()
                .map(|s| ShiftOut {
                    start: s.start,
                    end: s.end,
                    user: s.users.first().copied(),
                    users: s.users,
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&shifts)?);
        }
    }
    Ok(())
}
