//! People who log in: password hashes, sessions and their CSRF tokens, login throttling, and
//! the first-run setup link. The rules (roles, expiry, throttles, password policy) are in
//! `core::account`; this is their I/O.

pub mod page;
pub mod password;
pub mod routes;
pub mod session;
pub mod sso;
pub mod tokens;
pub mod views;

pub use session::Principal;

use crate::app::AppState;
use switchboard_core::account::SETUP_LINK_VALID;

/// When no account can log in yet, a one-time link that creates the owner (valid for an
/// hour), for `serve` to print; `None` when someone can log in already.
pub async fn setup_link(state: &AppState) -> anyhow::Result<Option<String>> {
    if state.store.count_accounts().await? > 0 {
        return Ok(None);
    }
    let token = crate::api::random_secret();
    let expires = state.clock.now() + SETUP_LINK_VALID;
    state
        .store
        .create_setup_link(&crate::api::hash_token(&token), expires)
        .await?;
    Ok(Some(
        crate::urls::Urls::new(&state.config.public_url).setup(&token),
    ))
}
