//! Composition root: the shared state, the router, and serving with graceful shutdown.

use crate::config::Config;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use switchboard_core::clock::Clock;
use switchboard_core::store::Store;
use tokio::net::TcpListener;

/// Largest request body accepted anywhere (webhooks are a few KiB; API bodies smaller).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Everything a handler needs, shared: a clone (every request takes a few) is one count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    /// For chat alerts: redirects only to `alert_hosts`.
    pub http: reqwest::Client,
    /// For recording media: redirects only to `recording_hosts`.
    pub media_http: reqwest::Client,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Webhooks kept on disk while the store cannot take them.
    pub spool: Arc<crate::spool::Spool>,
    /// Recordings and voicemails: below `data_dir` or in a bucket.
    pub storage: crate::storage::Storage,
    /// Compiled schedules, checked against the store's version at each use.
    pub schedules: Arc<crate::directory::ScheduleCache>,
    /// Lines, users and schedules between webhooks, checked against the store's
    /// configuration version at each.
    pub routing: Arc<crate::snapshot::Routing>,
}

/// Why the state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data_dir: {0}")]
    Spool(#[from] crate::spool::SpoolError),
    #[error("storage_url: {0}")]
    Storage(#[from] crate::storage::StorageError),
}

impl AppState {
    /// State over `store` with `clock`; opens this process's spool in `data_dir/spool` and
    /// the recordings' store.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: Config,
    ) -> Result<Self, StartError> {
        let http = crate::outbound::client(config.alert_hosts.clone(), "alert_hosts");
        let media_http = crate::outbound::client(config.recording_hosts.clone(), "recording_hosts");
        let spool = Arc::new(crate::spool::Spool::open(&config.data_dir)?);
        let storage = crate::storage::Storage::open(&config.storage, &config.data_dir)?;
        Ok(Self(Arc::new(Shared {
            storage,
            schedules: Arc::default(),
            routing: Arc::default(),
            store,
            clock,
            config: Arc::new(config),
            http,
            media_http,
            metrics: Arc::default(),
            spool,
        })))
    }
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .nest("/api/v1", crate::api::router(state.clone()))
        .nest(
            "/hooks",
            crate::webhooks::router(state.clone()).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::webhooks::measure,
            )),
        )
        .route("/calendar/{file}", get(crate::calendar::get_feed))
        .route(
            "/setup",
            get(crate::accounts::page::show).post(crate::accounts::page::submit),
        )
        .route("/media/{token}", get(crate::api::audio::get_media))
        // Slack's button presses, checked by their signature (not a session or a token).
        .route(
            "/slack/actions/{channel}",
            axum::routing::post(crate::slack::actions),
        )
        .merge(crate::web::router(state.clone()))
        .fallback(no_such_route)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // One span per request: method and path (a webhook's secret token masked), filled in
        // with the line and call once the handler knows them, so every log line of a call's
        // webhooks carries its ids.
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<axum::body::Body>| {
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %crate::webhooks::redacted(req.uri().path()),
                        line = tracing::field::Empty,
                        call = tracing::field::Empty,
                    )
                })
                // A failed request is logged once, by its handler, with its cause.
                .on_failure(()),
        )
        .with_state(state)
}

/// Any path no route takes: the API's error envelope, so clients (and the URL test) can tell
/// "no such route" from "no such call".
async fn no_such_route(uri: axum::http::Uri) -> impl axum::response::IntoResponse {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({
            "error": { "code": "not_found", "message": format!("no such route: {}", uri.path()) }
        })),
    )
}

async fn healthz() -> &'static str {
    "ok"
}

async fn metrics(State(s): State<AppState>) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(),
    )
}

async fn readyz(State(s): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(READY_TIMEOUT, s.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %crate::errors::chain(&e), "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!(
                timeout_secs = READY_TIMEOUT.as_secs(),
                "readiness check failed: the database did not answer in time"
            );
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// How long `/readyz` waits for the database.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Serves `state` on `listener` (with the background worker) until `shutdown` resolves,
/// then finishes requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(
        listener,
        state,
        shutdown,
        Background {
            jobs: true,
            replay: true,
        },
    )
    .await
}

/// What runs beside the HTTP server.
#[derive(Debug, Clone, Copy)]
pub struct Background {
    /// The job worker. Off in tests that run jobs themselves ([`crate::jobs::run_due`]).
    pub jobs: bool,
    /// The spool's replay and the store's health watch. Off in tests that replay themselves
    /// ([`crate::webhooks::replay_now`]).
    pub replay: bool,
}

/// [`serve`], choosing what runs in the background.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    background: Background,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = background
        .jobs
        .then(|| tokio::spawn(crate::jobs::run_worker(state.clone(), stop_rx.clone())));
    let replayer = background
        .replay
        .then(|| tokio::spawn(crate::webhooks::run_replay(state.clone(), stop_rx)));
    let app = router(state);
    // The peer's address reaches handlers (login throttling counts failures per address).
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    let _ = stop_tx.send(true);
    if let Some(w) = worker {
        let _ = w.await;
    }
    if let Some(r) = replayer {
        let _ = r.await;
    }
    result
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
