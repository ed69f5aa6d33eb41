//! The Switchboard server: webhooks, REST API, background jobs, configuration and CLI.
//!
//! [`app::App`] wires a store, a clock and the configuration into an axum router;
//! [`app::serve`] runs it until shutdown. `main.rs` only parses the command line.

pub mod accounts;
pub mod alerts;
pub mod api;
pub mod app;
pub mod as_code;
pub mod audit;
pub mod calendar;
pub mod cli;
mod cli_apply;
mod cli_export;
mod cli_schedule;
mod cli_simulate;
mod cli_user;
pub mod config;
pub mod cover_notice;
pub mod directory;
pub mod email;
pub mod errors;
pub mod history;
pub mod incident_events;
pub mod jobs;
pub mod json;
pub mod metrics;
pub mod outbound;
pub mod proxies;
pub mod reminders;
pub mod retention;
pub mod slack;
pub mod snapshot;
pub mod spool;
pub mod storage;
pub mod transcribe;
pub mod urls;
pub mod web;
pub mod webhooks;
