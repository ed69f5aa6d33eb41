//! The dashboard: server-rendered pages (askama templates, compiled into the binary) behind a
//! login, with the same team rules, resolver and store as the API. Every page works without
//! JavaScript; a pinned htmx (served from the binary) only enhances. Every answer carries a
//! strict Content-Security-Policy: no inline script or style, nothing from elsewhere.

mod audio;
mod audit;
mod call;
mod calls;
mod channels;
mod home;
mod hours;
mod incidents;
mod integrations;
mod lines;
mod login;
mod menu_form;
mod people;
mod profile;
mod schedule_forms;
mod schedule_layers;
mod schedules;
mod settings;
mod setup;
mod simulate;
mod timeline;
mod view;
mod words;

use crate::accounts::session;
use crate::api::error::ApiError;
use crate::app::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use switchboard_core::account::Access;
use switchboard_core::user::User;

/// The pages' routes.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/calls", get(calls::list))
        .route("/calls/new", get(calls::new_count))
        .route("/lines", get(lines::list))
        .route("/lines/new", get(setup::start).post(setup::create))
        .route("/lines/new/{id}/status", get(setup::status))
        .route("/lines/new/check-number", get(setup::check_number))
        .route(
            "/lines/new/{id}/number",
            get(|s: State<AppState>, v: Viewer, p: Path<String>| setup::step(s, v, p, "number"))
                .post(setup::renumber),
        )
        .route(
            "/lines/new/{id}/routing",
            get(|s: State<AppState>, v: Viewer, p: Path<String>| setup::step(s, v, p, "routing"))
                .post(setup::save_routing),
        )
        .route(
            "/lines/new/{id}/messages",
            get(|s: State<AppState>, v: Viewer, p: Path<String>| setup::step(s, v, p, "messages"))
                .post(setup::save_messages)
                .layer(audio::limit(3)),
        )
        .route(
            "/lines/new/{id}/connect",
            get(|s: State<AppState>, v: Viewer, p: Path<String>| setup::step(s, v, p, "connect"))
                .post(setup::save_auth),
        )
        .route(
            "/lines/new/{id}/live",
            get(|s: State<AppState>, v: Viewer, p: Path<String>| setup::step(s, v, p, "live")),
        )
        .route("/lines/{id}", get(lines::show))
        .route("/lines/{id}/test-mode", post(lines::test_mode))
        .route("/lines/{id}/checklist", get(lines::checklist_fragment))
        .route("/lines/{id}/simulate", post(simulate::simulate))
        .route(
            "/lines/{id}/settings/audio/{kind}",
            post(audio::upload).layer(audio::limit(1)),
        )
        .route(
            "/lines/{id}/settings",
            get(settings::show).post(settings::save),
        )
        .route("/test-mode/banner", get(banner_fragment))
        .route("/profile", get(profile::show).post(profile::save))
        .route("/profile/phones", post(profile::save_phones))
        .route("/profile/tokens", post(profile::create_token))
        .route("/profile/tokens/{id}/revoke", post(profile::revoke_token))
        .route("/profile/sessions/{id}/end", post(profile::end_session))
        .route(
            "/profile/logout-everywhere",
            post(profile::logout_everywhere),
        )
        .route("/audit", get(audit::show))
        .route("/people", get(people::show).post(people::add))
        .route("/people/{id}/role", post(people::role))
        .route("/teams", post(people::add_team))
        .route("/teams/{id}/members", post(people::add_member))
        .route(
            "/teams/{id}/members/{user}/remove",
            post(people::remove_member),
        )
        .route(
            "/schedules",
            get(schedules::list).post(schedule_forms::create),
        )
        .route("/schedules/{id}", get(schedules::show))
        .route(
            "/schedules/{id}/overrides",
            post(schedule_forms::override_submit),
        )
        .route(
            "/schedules/{id}/overrides/{override}/delete",
            post(schedule_forms::override_delete),
        )
        .route(
            "/schedules/{id}/cover-requests",
            post(schedule_forms::cover_ask),
        )
        .route(
            "/schedules/{id}/my-calendar",
            post(schedule_forms::my_calendar),
        )
        .route(
            "/schedules/{id}/layers/{layer}",
            get(schedule_layers::show).post(schedule_layers::submit),
        )
        .route(
            "/schedules/{id}/layers/{layer}/delete",
            post(schedule_layers::delete),
        )
        .route(
            "/cover-requests/{id}/{what}",
            post(schedule_forms::cover_decide),
        )
        .route("/channels", get(channels::show).post(channels::add))
        .route("/channels/{id}/test", post(channels::test))
        .route("/channels/{id}/live", post(channels::live))
        .route("/channels/{id}/delete", post(channels::delete))
        .route("/calls/{id}", get(call::show))
        .route("/calls/{id}/archive", post(call::archive))
        .route("/calls/{id}/incident", post(incidents::from_call))
        .route("/incidents", get(incidents::list))
        .route(
            "/integrations",
            get(integrations::show).post(integrations::add),
        )
        .route("/integrations/{id}/delete", post(integrations::delete))
        .route(
            "/incidents/{id}",
            get(incidents::show).post(incidents::change),
        )
        .route(
            "/calls/{id}/delete",
            get(call::confirm_delete).post(call::delete),
        )
        .route("/assets/{file}", get(asset))
        // Layers run outermost last-added: the headers, who is asking, then the audit
        // trail (the same as the API's: every form that changes something is recorded).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::audit::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            identify,
        ))
        .layer(axum::middleware::from_fn_with_state(state, headers))
}

/// Notes who a request with a live session is from (for the audit trail); pages that need a
/// login check it again through [`Viewer`].
async fn identify(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/assets/") {
        return next.run(req).await;
    }
    match Viewer::load(&s, req.headers()).await {
        Ok(Some(v)) => {
            req.extensions_mut().insert(v.principal.clone());
            req.extensions_mut().insert(v.access.clone());
            req.extensions_mut().insert(v);
        }
        Ok(None) => {}
        Err(e) => return PageError::from(e).into_response(),
    }
    next.run(req).await
}

/// The security headers every page gets.
async fn headers(State(_): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
             frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    resp
}

/// The files the pages use, compiled into the binary.
async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, kind): (&'static [u8], &str) = match file.as_str() {
        "app.css" => (
            include_bytes!("../../assets/app.css"),
            "text/css; charset=utf-8",
        ),
        "app.js" => (
            include_bytes!("../../assets/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "htmx-2.0.11.min.js" => (
            include_bytes!("../../assets/htmx-2.0.11.min.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            // The names carry the version (htmx) or change with the binary: an hour is safe.
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// What every page's frame shows: who is logged in, the form token, the display zone.
#[derive(Default)]
pub struct Chrome {
    pub name: String,
    pub csrf: String,
    pub zone: String,
    pub section: &'static str,
    /// Admins and owners see the audit trail.
    pub admin: bool,
    /// The lines in test mode the viewer can see: a banner on every page.
    pub banner: Vec<BannerItem>,
}

/// A line in test mode, for the banner.
pub struct BannerItem {
    pub line_id: i64,
    pub line: String,
    pub user: String,
    pub left: String,
}

#[derive(Template)]
#[template(path = "banner.html")]
pub struct Banner {
    pub banner: Vec<BannerItem>,
}

/// The test-mode banner of what `v` can see.
pub async fn banner(s: &AppState, v: &Viewer) -> Vec<BannerItem> {
    let now = s.clock.now();
    let Ok(lines) = s.store.list_lines().await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for l in lines.iter().filter(|l| v.access.sees(l.team)) {
        let Some(t) = l.active_test_mode(now) else {
            continue;
        };
        out.push(BannerItem {
            line_id: l.id.0,
            line: l.name.clone(),
            user: tester(s, v, t.user).await,
            left: view::left(t.until, now),
        });
    }
    out
}

/// Who test mode rings, as the viewer reads it: "you", or the person's name.
pub async fn tester(s: &AppState, v: &Viewer, user: switchboard_core::UserId) -> String {
    if user == v.user.id {
        return "you".to_owned();
    }
    s.store
        .get_user(user)
        .await
        .map_or_else(|_| format!("user {user}"), |u| u.name)
}

/// `GET /test-mode/banner`: the banner alone, for the countdown to refresh itself.
async fn banner_fragment(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    html(&Banner {
        banner: banner(&s, &v).await,
    })
}

/// A logged-in person looking at a page: their account, what they may reach, their session's
/// form token. Without a live session, a page answers with a redirect to the login page that
/// brings them back.
#[derive(Clone)]
pub struct Viewer {
    pub user: User,
    pub access: Access,
    pub csrf: String,
    /// The session, as the API's handlers know a requester.
    pub principal: crate::accounts::Principal,
}

impl Viewer {
    /// How pages write times for this person.
    pub fn local(&self) -> view::Local {
        view::Local::of(&self.user)
    }

    /// The person a request's session cookie names, once per request (by [`identify`]):
    /// `None` without a live session. Reading only: a form's token is checked by the handler
    /// that takes the form.
    async fn load(
        s: &AppState,
        headers: &axum::http::HeaderMap,
    ) -> Result<Option<Viewer>, ApiError> {
        let Some(id) = session::cookie_value(headers) else {
            return Ok(None);
        };
        let (who, session) = match session::authenticate_session(s, id, &Method::GET, headers).await
        {
            Ok(found) => found,
            Err(ApiError::Unauthorized) => return Ok(None),
            Err(e) => return Err(e),
        };
        let (access, user) = match crate::api::scope::load_with_user(s, &who).await {
            Ok(found) => found,
            Err(ApiError::Unauthorized) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(user.map(|user| Viewer {
            user,
            access,
            csrf: session.csrf,
            principal: who,
        }))
    }

    pub async fn chrome(&self, s: &AppState, section: &'static str) -> Chrome {
        Chrome {
            name: self.user.name.clone(),
            csrf: self.csrf.clone(),
            zone: self.user.time_zone.name().to_owned(),
            section,
            admin: self.access.sees_everything(),
            banner: banner(s, self).await,
        }
    }

    /// A form's token must be this session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        use subtle::ConstantTimeEq;
        if bool::from(sent.as_bytes().ct_eq(self.csrf.as_bytes())) {
            Ok(())
        } else {
            Err(PageError::Status(
                StatusCode::FORBIDDEN,
                "This form is out of date (its security token does not match your session). Go back, reload the page and try again.".to_owned(),
            ))
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
            Redirect::to(&format!("/login?next={next}")).into_response()
        };
        parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .ok_or_else(to_login)
    }
}

#[derive(Template)]
#[template(path = "plain.html")]
pub struct Plain {
    pub title: String,
    pub problem: Option<String>,
    pub login: bool,
    pub sso: bool,
    pub next: String,
    pub email: String,
    pub message: String,
    pub link: String,
    pub link_text: String,
}

/// A form that carries only the session's token.
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// A page that could not be shown: a status and a sentence for the person.
#[derive(Debug)]
pub enum PageError {
    Status(StatusCode, String),
    Internal(String),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound(what) => PageError::Status(
                StatusCode::NOT_FOUND,
                format!("There is no such {what}, or it belongs to a team you are not in."),
            ),
            ApiError::Internal(e) => {
                tracing::error!(error = %crate::errors::chain(&*e), "internal error on a page");
                PageError::Internal(
                    "Something went wrong on our side; it has been logged.".to_owned(),
                )
            }
            other => {
                let (status, _) = other.status();
                PageError::Status(status, other.to_string())
            }
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "a page failed to render");
        PageError::Internal("Something went wrong on our side; it has been logged.".to_owned())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            PageError::Status(s, m) => (s, m),
            PageError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, m),
        };
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            s if s.is_server_error() => "Something went wrong",
            _ => "That did not work",
        };
        let page = Plain {
            title: title.to_owned(),
            problem: None,
            login: false,
            sso: false,
            next: String::new(),
            email: String::new(),
            message,
            link: "/".to_owned(),
            link_text: "Back to the home page".to_owned(),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, "error").into_response(),
        }
    }
}

/// A rendered page.
pub fn html(t: &impl Template) -> Result<Response, PageError> {
    Ok(Html(t.render()?).into_response())
}

/// A page shown again with a problem to fix (422), or as usual.
pub fn html_fixing(t: &impl Template, problem: bool) -> Result<Response, PageError> {
    let mut resp = html(t)?;
    if problem {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// A refusal the person can fix on the page (a value, a conflict, a rule), as its sentence;
/// anything else becomes the error page.
pub fn fixable(e: ApiError) -> Result<String, PageError> {
    match e {
        ApiError::Invalid(_)
        | ApiError::Conflict(_)
        | ApiError::BadRequest(_)
        | ApiError::Forbidden(_) => Ok(e.to_string()),
        other => Err(other.into()),
    }
}

/// A form's fields as the body an API handler takes.
pub fn input<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| ApiError::BadRequest(e.to_string()))
}
