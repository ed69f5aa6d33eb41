//! Single sign-on with OpenID Connect: the authorization code flow with PKCE against the
//! provider named by `sso_issuer` (discovered from its `/.well-known/openid-configuration`),
//! through the `openidconnect` crate. An account is matched by the email the provider has
//! verified; the login then starts a session exactly as a password login does.
//!
//! `GET /api/v1/sso/start` sends the browser to the provider, keeping the PKCE verifier and
//! the nonce in the database under the hash of a random state (any instance can finish the
//! login) and the state itself in a short-lived cookie (so the login finishes only in the
//! browser that started it). `GET /api/v1/sso/callback` takes them back once, exchanges the
//! code, and verifies the ID token (signature from the provider's keys, issuer, audience,
//! expiry, nonce) before trusting its email.

use super::session;
use crate::api::error::{ApiError, ApiQuery, ApiResult};
use crate::app::AppState;
use crate::config::{cfg_err, ConfigError};
use axum::extract::{Query, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;
use std::fmt;
use switchboard_core::store::StoreError;

/// How long a login may take at the provider.
const LOGIN_WITHIN: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);
/// The cookie holding the state of the login under way.
const STATE_COOKIE: &str = "sb_sso";

/// The provider Switchboard's single sign-on uses.
#[derive(Clone)]
pub struct SsoConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Password logins are refused: everyone logs in through the provider.
    pub only: bool,
}

impl fmt::Debug for SsoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("only", &self.only)
            .finish()
    }
}

type Layer = Option<(String, String)>;

impl SsoConfig {
    /// The single sign-on settings from the configuration's layers (value, where it came
    /// from): none, or an issuer with its client id and secret.
    pub fn from_layers(
        issuer: Layer,
        client_id: Layer,
        secret: Layer,
        only: Layer,
    ) -> Result<Option<SsoConfig>, ConfigError> {
        let only = match only {
            None => false,
            Some((v, from)) => match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(cfg_err(
                        "sso_only",
                        &from,
                        format!("'{v}' is not true or false"),
                    ))
                }
            },
        };
        let Some((issuer, from)) = issuer else {
            if let Some((_, from)) = client_id.or(secret) {
                return Err(cfg_err(
                    "sso_issuer",
                    &from,
                    "is required with sso_client_id and sso_client_secret",
                ));
            }
            if only {
                return Err(cfg_err(
                    "sso_only",
                    "the configuration",
                    "needs sso_issuer, sso_client_id and sso_client_secret",
                ));
            }
            return Ok(None);
        };
        let url = url::Url::parse(&issuer).map_err(|e| {
            cfg_err(
                "sso_issuer",
                &from,
                format!("'{issuer}' is not an absolute URL ({e})"),
            )
        })?;
        let loopback = url
            .host_str()
            .is_some_and(|h| crate::outbound::is_loopback(h.trim_matches(['[', ']'])));
        if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
            return Err(cfg_err(
                "sso_issuer",
                &from,
                format!("'{issuer}' must be an https URL (plain http only on this machine)"),
            ));
        }
        let client_id = client_id
            .map(|(v, _)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| cfg_err("sso_client_id", &from, "is required with sso_issuer"))?;
        let client_secret = secret
            .map(|(v, _)| v)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| cfg_err("sso_client_secret", &from, "is required with sso_issuer"))?;
        Ok(Some(SsoConfig {
            issuer: issuer.trim_end_matches('/').to_owned(),
            client_id,
            client_secret,
            only,
        }))
    }
}

/// The provider's answer could not be had: a 502 naming the step, the cause logged.
fn provider_failed(step: &'static str) -> impl Fn(&(dyn std::error::Error + 'static)) -> ApiError {
    move |e| {
        tracing::warn!(error = %crate::errors::chain(e), step, "single sign-on: the identity provider failed");
        ApiError::BadGateway(format!(
            "single sign-on: the identity provider could not {step}; try again later"
        ))
    }
}

fn http_client() -> ApiResult<openidconnect::reqwest::Client> {
    openidconnect::reqwest::ClientBuilder::new()
        // The provider's endpoints answer directly; following redirects would let a
        // compromised endpoint send the request elsewhere.
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| ApiError::Internal(Box::new(e)))
}

/// The configured provider's client, from its discovery document.
async fn client(
    s: &AppState,
    sso: &SsoConfig,
    http: &openidconnect::reqwest::Client,
) -> ApiResult<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
> {
    let issuer = IssuerUrl::new(sso.issuer.clone()).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let meta = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| provider_failed("be discovered")(&e))?;
    let redirect = RedirectUrl::new(crate::urls::Urls::new(&s.config.public_url).sso_callback())
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(CoreClient::from_provider_metadata(
        meta,
        ClientId::new(sso.client_id.clone()),
        Some(ClientSecret::new(sso.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

fn configured(s: &AppState) -> ApiResult<&SsoConfig> {
    s.config
        .sso
        .as_ref()
        .ok_or(ApiError::NotFound("single sign-on (it is not configured)"))
}

fn state_cookie(s: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if s.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{STATE_COOKIE}={value}; Path=/api/v1/sso; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("the state is URL-safe base64")
}

/// `GET /api/v1/sso/start`: to the provider's login page.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StartQuery {
    /// A page to land on once logged in (the dashboard's login); absent: a JSON answer.
    #[serde(default)]
    #[param(example = "/calls")]
    next: Option<String>,
}

/// The cookie holding where a login started from the dashboard goes afterwards.
const NEXT_COOKIE: &str = "sb_sso_next";

/// Only a path on this server, never `//host` or a URL.
fn local_path(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')).then_some(next)
}

#[utoipa::path(
    get,
    path = "/sso/start",
    tag = "accounts",
    params(StartQuery),
    responses(
        (status = 303, description = "To the identity provider's login page"),
        (status = 404, description = "Single sign-on is not configured", body = crate::api::error::ErrorBody)
    ),
    security(())
)]
pub async fn start(
    State(s): State<AppState>,
    q: Result<Query<StartQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let next = q.ok().and_then(|Query(q)| q.next);
    let sso = configured(&s)?;
    let http = http_client()?;
    let client = client(&s, sso, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".to_owned()))
        .set_pkce_challenge(challenge)
        .url();
    let now = s.clock.now();
    s.store
        .create_sso_login(
            &crate::api::hash_token(state.secret()),
            verifier.secret(),
            nonce.secret(),
            now,
            now - LOGIN_WITHIN,
        )
        .await
        .map_err(ApiError::store("login"))?;
    let cookie = state_cookie(&s, state.secret(), LOGIN_WITHIN.as_secs());
    let mut resp = (
        StatusCode::SEE_OTHER,
        [
            (
                header::LOCATION,
                HeaderValue::from_str(url.as_str()).map_err(|e| ApiError::Internal(Box::new(e)))?,
            ),
            (header::SET_COOKIE, cookie),
        ],
    )
        .into_response();
    // Kept URL-encoded, so the cookie holds only safe characters.
    let next: Option<String> = next
        .as_deref()
        .and_then(local_path)
        .map(|n| url::form_urlencoded::byte_serialize(n.as_bytes()).collect());
    if let Some(n) = next {
        resp.headers_mut().append(
            header::SET_COOKIE,
            named_cookie(&s, NEXT_COOKIE, &n, LOGIN_WITHIN.as_secs()),
        );
    }
    Ok(resp)
}

fn named_cookie(s: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if s.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/api/v1/sso; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("the value is URL-encoded")
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Callback {
    #[param(example = "the code from the provider")]
    code: Option<String>,
    #[param(example = "the state this server sent")]
    state: Option<String>,
    #[param(example = "access_denied")]
    error: Option<String>,
    #[param(example = "The user cancelled the login")]
    error_description: Option<String>,
}

/// Text from the provider, fit to repeat: short, printable.
fn tidy(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// `GET /api/v1/sso/callback`: the provider sends the browser back here with a code.
#[utoipa::path(
    get,
    path = "/sso/callback",
    tag = "accounts",
    params(Callback),
    responses(
        (status = 303, description = "Logged in: to the page asked for (the session cookie is set)"),
        (status = 200, description = "Logged in, when no page was asked for", body = super::views::LoggedIn)
    ),
    security(())
)]
pub async fn callback(
    State(s): State<AppState>,
    ext: Extensions,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<Callback>,
) -> ApiResult<Response> {
    let sso = configured(&s)?;
    if let Some(err) = q.error {
        let why = q.error_description.as_deref().map(tidy).unwrap_or_default();
        return Err(ApiError::Forbidden(format!(
            "the identity provider did not log you in: {} {why}",
            tidy(&err)
        )));
    }
    let (Some(code), Some(state)) = (q.code, q.state) else {
        return Err(ApiError::BadRequest(
            "code and state are required: start at /api/v1/sso/start".to_owned(),
        ));
    };
    // The login must finish in the browser that started it (no planted logins).
    let ours = session::named_cookie(&headers, STATE_COOKIE).unwrap_or("");
    use subtle::ConstantTimeEq;
    if ours.is_empty() || !bool::from(ours.as_bytes().ct_eq(state.as_bytes())) {
        return Err(ApiError::BadRequest(
            "this login did not start in this browser: start again at /api/v1/sso/start".to_owned(),
        ));
    }
    let now = s.clock.now();
    let (verifier, nonce) = match s
        .store
        .take_sso_login(&crate::api::hash_token(&state), now - LOGIN_WITHIN)
        .await
    {
        Ok(v) => v,
        Err(StoreError::NotFound) => {
            return Err(ApiError::BadRequest(
                "this login expired or was used already: start again at /api/v1/sso/start"
                    .to_owned(),
            ))
        }
        Err(e) => return Err(ApiError::store("login")(e)),
    };
    let http = http_client()?;
    let client = client(&s, sso, &http).await?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| ApiError::Internal(Box::new(e)))?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&http)
        .await
        .map_err(|e| provider_failed("exchange the code")(&e))?;
    let id_token = token.id_token().ok_or_else(|| {
        ApiError::BadGateway("single sign-on: the identity provider sent no ID token".to_owned())
    })?;
    let attempt = |action, status, user: Option<&switchboard_core::user::User>, who: &str| {
        crate::audit::LoginAttempt {
            action,
            status,
            user: user.cloned(),
            who: tidy(who),
            address: super::routes::address(&s, &ext, &headers),
        }
    };
    let claims = match id_token.claims(&client.id_token_verifier(), &Nonce::new(nonce)) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on: an ID token was refused");
            let action = "single sign-on refused: invalid ID token";
            crate::audit::login(
                &s,
                attempt(action, StatusCode::FORBIDDEN, None, "the identity provider"),
            )
            .await;
            return Err(ApiError::Forbidden(format!(
                "single sign-on: the ID token was refused: {e}"
            )));
        }
    };
    let email = claims.email().map(|e| e.as_str().to_owned());
    let verified = claims.email_verified() == Some(true);
    let Some(email) = email else {
        return Err(ApiError::Forbidden(
            "single sign-on: the identity provider did not give an email address (scope email)"
                .to_owned(),
        ));
    };
    if !verified {
        crate::audit::login(
            &s,
            attempt(
                "single sign-on refused: email not verified",
                StatusCode::FORBIDDEN,
                None,
                &email,
            ),
        )
        .await;
        return Err(ApiError::Forbidden(format!(
            "single sign-on: the identity provider has not verified {}; an account is matched by a verified email only",
            tidy(&email)
        )));
    }
    let user = match s.store.user_login(&email).await {
        Ok((user, _)) => user,
        Err(StoreError::NotFound) => {
            crate::audit::login(
                &s,
                attempt(
                    "single sign-on refused: no account",
                    StatusCode::FORBIDDEN,
                    None,
                    &email,
                ),
            )
            .await;
            return Err(ApiError::Forbidden(format!(
                "single sign-on: no Switchboard account has the email {}; ask an admin to create one",
                tidy(&email)
            )));
        }
        Err(e) => return Err(ApiError::store("login")(e)),
    };
    if let Some(old) = session::cookie_value(&headers) {
        let _ = s.store.delete_session(&crate::api::hash_token(old)).await;
    }
    let (cookie, csrf) = session::start(&s, user.id)
        .await
        .map_err(ApiError::store("session"))?;
    tracing::info!(user = %user.id, "login through single sign-on");
    crate::audit::login(
        &s,
        attempt(
            "login (single sign-on)",
            StatusCode::OK,
            Some(&user),
            &email,
        ),
    )
    .await;
    let next: Option<String> = session::named_cookie(&headers, NEXT_COOKIE)
        .and_then(|n| {
            url::form_urlencoded::parse(format!("n={n}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        })
        .filter(|n| local_path(n).is_some());
    let mut resp = match next {
        // From the dashboard's login page: on to the page wanted.
        Some(n) => (
            StatusCode::SEE_OTHER,
            [(
                header::LOCATION,
                HeaderValue::from_str(&n).unwrap_or(HeaderValue::from_static("/")),
            )],
        )
            .into_response(),
        None => {
            let body = super::views::LoggedIn {
                user: crate::api::users::user_json(&user),
                csrf_token: csrf,
            };
            (StatusCode::OK, axum::Json(body)).into_response()
        }
    };
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    resp.headers_mut()
        .append(header::SET_COOKIE, named_cookie(&s, NEXT_COOKIE, "", 0));
    resp.headers_mut()
        .append(header::SET_COOKIE, state_cookie(&s, "", 0));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::SsoConfig;

    fn v(s: &str) -> Option<(String, String)> {
        Some((s.to_owned(), "file sb.toml".to_owned()))
    }

    #[test]
    fn the_settings_come_together_or_not_at_all() {
        assert!(SsoConfig::from_layers(None, None, None, None)
            .unwrap()
            .is_none());
        let c = SsoConfig::from_layers(
            v("https://login.example.com/"),
            v("switchboard"),
            v("s3cret"),
            v("true"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.issuer, "https://login.example.com");
        assert!(c.only);
        assert!(
            !format!("{c:?}").contains("s3cret"),
            "the secret never shows"
        );
        let err = |i, id, s, o| SsoConfig::from_layers(i, id, s, o).unwrap_err().to_string();
        assert!(err(None, v("x"), v("y"), None).contains("sso_issuer"));
        assert!(err(v("https://l.example"), None, v("y"), None).contains("sso_client_id"));
        assert!(err(v("https://l.example"), v("x"), None, None).contains("sso_client_secret"));
        assert!(err(None, None, None, v("true")).contains("sso_only"));
        assert!(err(v("https://l.example"), v("x"), v("y"), v("maybe")).contains("sso_only"));
        let plain = err(v("http://login.example.com"), v("x"), v("y"), None);
        assert!(plain.contains("https"), "{plain}");
        assert!(
            SsoConfig::from_layers(v("http://127.0.0.1:9000"), v("x"), v("y"), None)
                .unwrap()
                .is_some()
        );
    }
}
