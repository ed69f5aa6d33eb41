//! Switchboard's pure domain: no I/O, no clocks read, no network.
//!
//! Everything that decides what happens to a call lives here, so it can be tested with plain
//! values: phone numbers ([`phone`]), users and lines ([`user`], [`line`]), the routing plan a
//! call follows ([`plan`]), the call record ([`call`]) and the call-flow state machine
//! ([`flow`]). The traits the outer crates implement ([`store::Store`], [`clock::Clock`]) are
//! defined here too, so dependencies point inward.

pub mod account;
pub mod audit;
pub mod call;
pub mod channel;
pub mod clock;
pub mod draft;
pub mod error;
pub mod flow;
pub mod ids;
pub mod incident;
pub mod line;
pub mod name;
pub mod phone;
pub mod plan;
pub mod refusal;
pub mod routing;
pub mod schedule;
pub mod schema;
pub mod setup;
pub mod store;
pub mod text;
pub mod user;
pub mod zone;

#[cfg(test)]
mod test_support;

pub use error::DomainError;
pub use ids::{CallId, IncidentId, LineId, RecordingId, TeamId, UserId};
pub use phone::PhoneNumber;
pub use zone::Zone;
