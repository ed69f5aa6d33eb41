//! `switchboard user …`: accounts from the command line, on the database directly.
//!
//! Passwords are read from standard input (one line), never from an argument, so they stay
//! out of shell history and process lists; on a terminal the prompt does not echo.

use crate::cli::ServerArgs;
use clap::Subcommand;
use std::io::IsTerminal;
use switchboard_core::account::{check_password, Role};
use switchboard_core::store::StoreError;
use switchboard_core::user::NewUser;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (a user who can log in); the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// owner, admin or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// IANA time zone, e.g. Europe/Berlin.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Set (or reset) a user's password, read from standard input; ends their sessions.
    SetPassword {
        email: String,
        #[command(flatten)]
        server: ServerArgs,
    },
}

fn read_password() -> anyhow::Result<String> {
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("New password: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line
    };
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub async fn run(c: UserCommand) -> anyhow::Result<()> {
    match c {
        UserCommand::Create {
            email,
            name,
            role,
            time_zone,
            server,
        } => {
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role: '{role}' is not owner, admin or member"))?;
            let user = NewUser::validate(&name, &email, None, &time_zone)
                .map_err(|e| anyhow::anyhow!("--{}", e.to_string().replace('_', "-")))?;
            let password = read_password()?;
            check_password(&password, &user.email, &user.name)?;
            let store = crate::cli::open_store_for_cli(&server.load()?).await?;
            let hash = crate::accounts::password::hash(&password).await?;
            let created = store
                .create_account(&user, role, &hash, jiff::Timestamp::now())
                .await
                .map_err(|e| match e {
                    StoreError::Duplicate { .. } => anyhow::anyhow!(
                        "--email: a user with {} exists; use `switchboard user set-password {}`",
                        user.email,
                        user.email
                    ),
                    other => other.into(),
                })?;
            crate::audit::command_line(
                &*store,
                &format!("user create --role {}", created.role.as_str()),
                format!("users/{}", created.id),
            )
            .await?;
            println!(
                "Created {} {} (id {}); they can log in now.",
                created.role.as_str(),
                created.email,
                created.id
            );
        }
        UserCommand::SetPassword { email, server } => {
            let store = crate::cli::open_store_for_cli(&server.load()?).await?;
            let (user, _) = store.user_login(email.trim()).await.map_err(|e| match e {
                StoreError::NotFound => anyhow::anyhow!("EMAIL: there is no user {email}"),
                other => other.into(),
            })?;
            let password = read_password()?;
            check_password(&password, &user.email, &user.name)?;
            let hash = crate::accounts::password::hash(&password).await?;
            store.set_password(user.id, Some(&hash)).await?;
            let ended = store.delete_user_sessions(user.id).await?;
            crate::audit::command_line(&*store, "user set-password", format!("users/{}", user.id))
                .await?;
            println!(
                "Set the password of {} ({} session{} ended).",
                user.email,
                ended,
                if ended == 1 { "" } else { "s" }
            );
        }
    }
    Ok(())
}
