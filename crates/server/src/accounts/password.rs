//! Password hashes: Argon2id with the crate's default (OWASP-recommended) parameters, in PHC
//! string form. Hashing runs on the blocking pool: it is meant to be slow.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// The hash to store for `password`.
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("could not hash the password: {e}"))
    })
    .await?
}

/// Whether `password` matches `stored`. A hash that cannot be read matches nothing.
pub async fn verify(password: &str, stored: &str) -> bool {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash of nothing anyone knows, checked when the email is unknown so that a wrong email
/// takes as long as a wrong password.
pub async fn waste_time(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = match DUMMY.get() {
        Some(d) => d.clone(),
        None => {
            let d = hash(&crate::api::random_secret()).await.unwrap_or_default();
            DUMMY.get_or_init(|| d).clone()
        }
    };
    verify(password, &dummy).await;
}
