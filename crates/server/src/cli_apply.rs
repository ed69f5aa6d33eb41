//! `switchboard apply FILE`: shows what the file changes, and after confirmation writes it in
//! one transaction (see [`crate::as_code`]).

use crate::as_code::plan::{plan, store_failure, Action, PlanError, SetupPlan};
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The setup file (as `switchboard export` writes it).
    file: PathBuf,
    /// Apply without asking (for scripts).
    #[arg(long)]
    yes: bool,
    /// Only show the plan; change nothing.
    #[arg(long, conflicts_with = "yes")]
    plan: bool,
    /// Delete what is stored but not named in the file.
    #[arg(long)]
    prune: bool,
    #[command(flatten)]
    server: crate::cli::ServerArgs,
}

/// The plan in words, one thing per line.
pub fn describe(plan: &SetupPlan, prune: bool) -> String {
    let mut out = format!("Plan: {}; {} unchanged.\n", plan.summary(), plan.unchanged);
    for item in &plan.items {
        let sign = match item.action {
            Action::Create => '+',
            Action::Change => '~',
            Action::Delete => '-',
        };
        out.push_str(&format!("  {sign} {} '{}'", item.kind, item.name));
        if !item.fields.is_empty() {
            out.push_str(&format!(": {}", item.fields.join(", ")));
        }
        out.push('\n');
    }
    if !plan.not_in_file.is_empty() && !prune {
        out.push_str("Stored but not in the file, left as they are (--prune deletes them):\n");
        for k in &plan.not_in_file {
            out.push_str(&format!("  {k}\n"));
        }
    }
    out
}

pub async fn run(args: ApplyArgs) -> anyhow::Result<()> {
    let config = args.server.load()?;
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let store = crate::cli::open_store_for_cli(&config).await?;
    let env = |name: &str| std::env::var(name).ok();
    let planned = match plan(&*store, &config, &text, &env, args.prune).await {
        Ok(p) => p,
        Err(PlanError::File(errors)) => {
            for e in &errors {
                let at = e.line.map_or(String::new(), |l| format!(":{l}"));
                let key = if e.key.is_empty() {
                    String::new()
                } else {
                    format!(" {}:", e.key)
                };
                eprintln!("{}{at}:{key} {}", args.file.display(), e.message);
            }
            anyhow::bail!(
                "{} problem(s) in {}; nothing was changed",
                errors.len(),
                args.file.display()
            );
        }
        Err(PlanError::Store(e)) => return Err(e.into()),
    };
    print!("{}", describe(&planned.plan, args.prune));
    if planned.changes.is_empty() {
        println!(
            "No changes: the store already holds what {} says.",
            args.file.display()
        );
        return Ok(());
    }
    if args.plan {
        return Ok(());
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "not applied: confirm with --yes (no terminal to ask on), or pass --plan to only show the plan"
            );
        }
        print!("Apply these changes? Type yes to apply: ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            println!("Not applied.");
            return Ok(());
        }
    }
    let now = jiff::Timestamp::now();
    store
        .apply_setup(&planned.changes, now)
        .await
        .map_err(|e| anyhow::anyhow!("not applied: {}", store_failure(&e)))?;
    println!("Applied: {}.", planned.plan.summary());
    Ok(())
}
