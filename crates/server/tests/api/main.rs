//! One integration-test binary for the server: every test drives a real server over real
//! HTTP with a fresh database.

mod accounts;
mod alerts;
mod api;
mod audit;
mod bad_input;
mod binary;
mod browser;
mod browser_schedules;
mod calls;
mod cli;
mod cover_notices;
mod cover_requests;
mod email_channels;
mod faults;
mod helpers;
mod incident_tools;
mod incidents;
mod instances;
mod live_notices;
mod menus;
mod pages;
mod retention;
mod schedule_groups;
mod schedule_history;
mod schedule_pages;
mod schedule_spans;
mod schedules;
mod screening;
mod sdk;
mod security;
mod slack_app;
mod sso;
mod teams;
mod together;
mod webhooks;
