//! `POST /lines/{id}/simulate`: a call played against the line by the built-in simulator,
//! through the real engine and the server's own webhooks (signed as the provider would sign
//! them), with each responder's behaviour chosen on the line's page. No phone rings; the call
//! is marked simulated, sends no chat alert and keeps no audio (core decides: the call id
//! carries `SIMULATED_PREFIX`).

use super::{PageError, Viewer};
use crate::api::error::ApiError;
use crate::api::scope;
use crate::app::AppState;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use switchboard_core::call::{CallEvent, EventKind, SIMULATED_PREFIX};
use switchboard_core::line::Provider;
use switchboard_sim::{CallSpec, Responder, VoicemailScript};

/// How each responder of the plan behaves, as the form names it.
pub fn behaviour(raw: &str) -> Responder {
    match raw {
        "answer" => Responder::Answer {
            after_secs: 5,
            talk_secs: 60,
        },
        "busy" => Responder::Busy,
        "failed" => Responder::Failed,
        _ => Responder::NoAnswer,
    }
}

/// The server's own address for its webhooks: the listen address, on loopback when it
/// listens on every interface.
fn local_origin(s: &AppState) -> String {
    let addr = s.config.listen;
    let ip = match addr.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".to_owned(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    };
    format!("http://{ip}:{}", addr.port())
}

/// `POST /lines/{id}/simulate` (`r1` … for the responders in order: answer, no-answer,
/// busy, failed; `caller`: voicemail or hangup).
pub async fn simulate(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    v.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let line = scope::line(&s, &v.access, crate::api::parse_id(&id, "line")?).await?;
    let now = s.clock.now();
    let dir = crate::directory::load(&s, &line, crate::directory::Users::All)
        .await
        .map_err(ApiError::store("user"))?;
    let plan = switchboard_core::routing::plan_at(&line, &dir, now);
    let urls = crate::urls::Urls::new(&s.config.public_url);
    let (public, local) = (s.config.public_url.clone(), local_origin(&s));
    let sid = format!("{SIMULATED_PREFIX}{}", &crate::api::random_secret()[..16]);
    let mut spec = CallSpec::new(
        urls.voice(&line).replacen(&public, &local, 1),
        "+15005550000",
        line.number.as_str(),
    );
    if line.provider == Provider::Plivo {
        spec = spec.plivo();
    }
    spec.status_callback_url = Some(urls.status(&line).replacen(&public, &local, 1));
    spec.public_url = Some(public);
    spec.auth_token = line.auth_token.clone();
    spec.call_sid = Some(sid.clone());
    spec.caller_name = Some(format!("Simulated by {}", v.user.name));
    let responders = plan.steps.iter().flat_map(|st| st.legs());
    for (i, r) in responders.enumerate() {
        let chosen = f
            .get(&format!("r{}", i + 1))
            .map_or("no-answer", String::as_str);
        spec = spec.responder(r.phone.as_str(), behaviour(chosen));
    }
    if f.get("caller").map(String::as_str) == Some("hangup") {
        spec.caller.hang_up_at = Some(15);
    } else {
        spec.caller.voicemail = VoicemailScript::Leave { secs: 20 };
    }
    let played = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        switchboard_sim::place_call(&switchboard_sim::client(), &spec),
    )
    .await;
    match played {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "a simulated call failed");
            return Err(PageError::Status(
                axum::http::StatusCode::BAD_GATEWAY,
                format!("The simulated call could not be played: {e}"),
            ));
        }
        Err(_) => {
            return Err(PageError::Status(
                axum::http::StatusCode::GATEWAY_TIMEOUT,
                "The simulated call took longer than 30 s.".to_owned(),
            ))
        }
    }
    let call = s
        .store
        .find_call(line.id, &sid)
        .await
        .map_err(ApiError::store("call"))?;
    let note = CallEvent {
        at: s.clock.now(),
        kind: EventKind::Decision,
        message: format!(
            "Simulated from the dashboard by {}: no phone rang, no chat alert was sent, no audio was kept",
            v.user.name
        ),
    };
    s.store
        .append_events(call.id, &[note])
        .await
        .map_err(ApiError::store("call"))?;
    Ok(Redirect::to(&format!("/calls/{}", call.id)).into_response())
}
