//! The command line: `serve`, `token create`, `simulate call`, `simulate load`.

use crate::app::{serve, shutdown_signal, AppState};
use crate::config::{Config, Overrides};
use clap::{Args, Parser, Subcommand};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use switchboard_core::clock::SystemClock;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("SB_BUILD_COMMIT"), ")"),
    about = "Live call routing: every call reaches whoever is on call."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default when no command is given).
    Serve(ServerArgs),
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage accounts: for people locked out, and for automation.
    User {
        #[command(subcommand)]
        command: crate::cli_user::UserCommand,
    },
    /// Check schedules from a file, with the engine routing uses.
    Schedule {
        #[command(subcommand)]
        command: crate::cli_schedule::ScheduleCommand,
    },
    /// Ask a running server whether it is up (`/healthz`), for a container's health check:
    /// exits 0 when it answers, 1 otherwise.
    Healthcheck {
        /// The URL to ask; by default `/healthz` on the configured listen address.
        #[arg(long)]
        url: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Write the whole setup (teams, users, schedules, channels, integrations, lines) as one
    /// TOML file that names things instead of ids; secrets are references to environment
    /// variables, listed on stderr.
    Export(crate::cli_export::ExportArgs),
    /// Make the setup what a file (as `export` writes it) says: prints the plan (what is
    /// created, changed, deleted), then writes it in one transaction once confirmed.
    Apply(crate::cli_apply::ApplyArgs),
    /// Place simulated provider calls against a running server.
    Simulate {
        #[command(subcommand)]
        command: crate::cli_simulate::SimulateCommand,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// List API tokens (names and ids; the secrets are never stored).
    List {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Revoke an API token by id: requests carrying it are refused from now on.
    Revoke {
        #[arg(long)]
        id: i64,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Create an admin API token; it is printed once, alone on the last line.
    Create {
        /// A name to recognise the token by.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        server: ServerArgs,
    },
}

/// Where the configuration comes from; every flag wins over the file and the environment.
#[derive(Debug, Args, Default, Clone)]
pub struct ServerArgs {
    /// TOML configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long)]
    listen: Option<String>,
    /// The URL providers reach this server at, e.g. https://switchboard.example.com.
    #[arg(long)]
    public_url: Option<String>,
    /// sqlite:PATH or postgres://USER@HOST/DB.
    #[arg(long)]
    database_url: Option<String>,
    /// Directory for the embedded database and recordings.
    #[arg(long)]
    data_dir: Option<String>,
}

impl ServerArgs {
    pub(crate) fn load(&self) -> Result<Config, crate::config::ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        for var in Config::unknown_env_vars(&env) {
            eprintln!("warning: ignoring unknown environment variable {var}");
        }
        Config::load(
            &Overrides {
                config: self.config.clone(),
                listen: self.listen.clone(),
                public_url: self.public_url.clone(),
                database_url: self.database_url.clone(),
                data_dir: self.data_dir.clone(),
            },
            &env,
        )
    }
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve(ServerArgs::default())) {
            Command::Serve(args) => run_serve(args).await,
            Command::Token {
                command: TokenCommand::Create { name, server },
            } => create_token(name, server).await,
            Command::Token {
                command: TokenCommand::List { server },
            } => list_tokens(server).await,
            Command::Token {
                command: TokenCommand::Revoke { id, server },
            } => revoke_token(id, server).await,
            Command::User { command } => crate::cli_user::run(command).await,
            Command::Healthcheck { url, server } => healthcheck(url, server).await,
            Command::Simulate { command } => crate::cli_simulate::run(command).await,
            Command::Schedule { command } => crate::cli_schedule::run(command),
            Command::Export(args) => crate::cli_export::run(args).await,
            Command::Apply(args) => crate::cli_apply::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn healthcheck(url: Option<String>, args: ServerArgs) -> anyhow::Result<()> {
    let url = match url {
        Some(u) => u,
        None => {
            let listen = args.load()?.listen;
            let host = match listen.ip() {
                ip if ip.is_unspecified() && ip.is_ipv6() => "[::1]".to_owned(),
                ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                ip => ip.to_string(),
            };
            format!("http://{host}:{}/healthz", listen.port())
        }
    };
    let answer = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()?
        .get(&url)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{url} did not answer: {}", e.without_url()))?;
    anyhow::ensure!(
        answer.status().is_success(),
        "{url} answered HTTP {}",
        answer.status()
    );
    println!("ok: {url}");
    Ok(())
}

async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn switchboard_core::store::Store>> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            anyhow::anyhow!("data_dir: cannot create {}: {e}", config.data_dir.display())
        })?;
    }
    Ok(switchboard_store::open(&config.database_url).await?)
}

async fn run_serve(args: ServerArgs) -> anyhow::Result<()> {
    let config = args.load()?;
    use std::io::IsTerminal;
    // Logs go to stderr (stdout stays for what a command prints), coloured only on a terminal.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&config.log)
                .map_err(|e| anyhow::anyhow!("log: '{}' is not a log filter: {e}", config.log))?,
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let store = open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("listen: cannot bind {}: {e}", config.listen))?;
    let database = crate::config::redact_url(&config.database_url);
    if tracing::enabled!(tracing::Level::INFO) {
        tracing::info!(
            listen = %config.listen,
            public_url = %config.public_url,
            database = %database,
            "Switchboard is running"
        );
    } else {
        // Even with a quiet log, say where the server listens.
        eprintln!(
            "Switchboard is running: listen {}, public_url {}, database {database}",
            config.listen, config.public_url
        );
    }
    let state = AppState::new(store, Arc::new(SystemClock), config)?;
    // An unreachable bucket does not stop calls (recordings wait at the carrier and their
    // download is retried), so it is said loudly rather than refusing to start, and asked
    // beside serving so a slow endpoint never delays the start.
    let storage = state.storage.clone();
    tokio::spawn(async move {
        if let Err(e) = storage.check().await {
            tracing::error!(error = %e, "the recordings' store cannot be reached; recordings are downloaded once it can");
        }
    });
    if let Some(link) = crate::accounts::setup_link(&state).await? {
        // For the operator at the console, once; it is not logged.
        eprintln!(
            "No account can log in yet. Open this link within an hour to create the owner (it works once):\n  {link}\nLocked out later? `switchboard user set-password EMAIL`."
        );
    }
    serve(listener, state, shutdown_signal()).await?;
    Ok(())
}

/// Opens the store for a `token` command, saying on stderr which database it is (the same
/// resolution as `serve`: flags, environment, config file, defaults) and warning when it did
/// not exist yet, which usually means the server runs with another `--data-dir` or config.
pub(crate) async fn open_store_for_cli(
    config: &Config,
) -> anyhow::Result<Arc<dyn switchboard_core::store::Store>> {
    let shown = crate::config::redact_url(&config.database_url);
    let sqlite_file = config
        .database_url
        .strip_prefix("sqlite:")
        .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)));
    let existed = sqlite_file.as_ref().is_none_or(|p| p.exists());
    let store = open_store(config).await?;
    eprintln!("Database: {shown}");
    if !existed {
        eprintln!(
            "warning: {shown} did not exist and was created empty; if a server is running, it uses another database (pass the same --data-dir, --database-url or --config as to serve)"
        );
    }
    Ok(store)
}

async fn create_token(name: String, args: ServerArgs) -> anyhow::Result<()> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.len() > 100 {
        anyhow::bail!("--name must be 1 to 100 characters");
    }
    let config = args.load()?;
    let store = open_store_for_cli(&config).await?;
    let token = crate::api::new_token();
    let created = store
        .create_api_token(
            &switchboard_core::store::NewApiToken::owner_level(&name),
            &crate::api::hash_token(&token),
            jiff::Timestamp::now(),
        )
        .await?;
    crate::audit::command_line(&*store, "token create", format!("tokens/{}", created.id)).await?;
    println!(
        "Created API token '{}' (id {}). Send it as 'Authorization: Bearer <token>'. It is shown only once:",
        created.name, created.id
    );
    println!("{token}");
    Ok(())
}

async fn list_tokens(args: ServerArgs) -> anyhow::Result<()> {
    let store = open_store_for_cli(&args.load()?).await?;
    for t in store.list_api_tokens().await? {
        println!("{}\t{}\t{}", t.id, t.created_at, t.name);
    }
    Ok(())
}

async fn revoke_token(id: i64, args: ServerArgs) -> anyhow::Result<()> {
    let store = open_store_for_cli(&args.load()?).await?;
    match store.delete_api_token(id).await {
        Ok(()) => {
            crate::audit::command_line(&*store, "token revoke", format!("tokens/{id}")).await?;
            println!("Revoked API token {id}.");
            Ok(())
        }
        Err(switchboard_core::store::StoreError::NotFound) => {
            anyhow::bail!("--id: there is no API token {id} (see `switchboard token list`)")
        }
        Err(e) => Err(e.into()),
    }
}
