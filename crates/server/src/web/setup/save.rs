//! The setup steps' forms: each saves the draft, and from the messages on, the line itself
//! through the API's own handlers (the same checks as `POST /api/v1/lines`).

use super::*;

#[derive(Debug, Deserialize)]
pub struct NumberForm {
    #[serde(default)]
    csrf: String,
    name: String,
    number: String,
    provider: String,
    #[serde(default)]
    team: String,
}

/// `POST /lines/new`: the draft's first step.
pub async fn create(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<NumberForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let provider = Provider::parse(&f.provider).unwrap_or(Provider::Twilio);
    let named = f.team.parse::<i64>().ok().map(TeamId);
    let draft = crate::api::scope::team_for_new(&s, &v.access, named)
        .await
        .map_err(|e| e.to_string())
        .and_then(|team| {
            LineDraft::start(&f.name, &f.number, provider, team).map_err(|e| e.to_string())
        });
    match draft {
        Ok(d) => {
            let id = s
                .store
                .create_draft(v.user.id, &d, s.clock.now())
                .await
                .map_err(ApiError::store("line being set up"))?;
            Ok(Redirect::to(&format!("/lines/new/{id}/routing")).into_response())
        }
        Err(problem) => {
            let mut page = base(&s, &v, "number", None).await;
            page.problem = Some(problem);
            page.name = f.name;
            page.number = f.number;
            page.provider = provider.as_str().to_owned();
            page.teams = team_options(&s, &v, named).await?;
            super::super::html_fixing(&page, true)
        }
    }
}

/// `POST /lines/new/{id}/number`: the first step again.
pub async fn renumber(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<NumberForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let mut d = own(&s, &v, &id).await?;
    if d.line.is_some() {
        return Err(PageError::Status(
            axum::http::StatusCode::CONFLICT,
            "This line exists already: change its number and name on its own page.".to_owned(),
        ));
    }
    let provider = Provider::parse(&f.provider).unwrap_or(Provider::Twilio);
    let named = f.team.parse::<i64>().ok().map(TeamId);
    let team = crate::api::scope::team_for_new(&s, &v.access, named).await?;
    match LineDraft::start(&f.name, &f.number, provider, team) {
        Ok(start) => {
            d.draft.name = start.name;
            d.draft.number = start.number;
            d.draft.provider = start.provider;
            d.draft.team = start.team;
            s.store
                .save_draft(d.id, &d.draft, d.line)
                .await
                .map_err(ApiError::store("line being set up"))?;
            Ok(Redirect::to(&format!("/lines/new/{}/routing", d.id)).into_response())
        }
        Err(e) => {
            let mut page = base(&s, &v, "number", Some(&d)).await;
            page.problem = Some(e.to_string());
            page.teams = team_options(&s, &v, named).await?;
            super::super::html_fixing(&page, true)
        }
    }
}

/// `POST /lines/new/{id}/routing`: the chain (`step1` … `step5`) and the ring time.
pub async fn save_routing(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    v.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let mut d = own(&s, &v, &id).await?;
    let allowed = targets(&s, &v).await?;
    let mut problem = None;
    match chosen_steps(&f, "step", &allowed, &d.draft.steps) {
        Ok(steps) => d.draft.steps = steps,
        Err(why) => problem = Some(why),
    }
    match f.get("ring_timeout_secs").map(|t| t.trim().parse::<u32>()) {
        Some(Ok(t)) if (5..=60).contains(&t) => d.draft.ring_timeout_secs = t,
        Some(_) => problem = problem.or(Some("The ring time must be 5 to 60 seconds.".to_owned())),
        None => {}
    }
    s.store
        .save_draft(d.id, &d.draft, d.line)
        .await
        .map_err(ApiError::store("line being set up"))?;
    if let Some(line) = d.line {
        // The line exists: the change goes to it too, through the API's rules.
        let body = json!({"routing": {"steps": d.draft.steps, "ring_timeout_secs": d.draft.ring_timeout_secs}});
        let input = super::super::input(body)?;
        if let Err(e) = crate::api::lines::update_line(
            State(s.clone()),
            Extension(v.access.clone()),
            Path(line.to_string()),
            ApiJson(input),
        )
        .await
        {
            problem = Some(e.to_string());
        }
    }
    if problem.is_none() && d.draft.steps.is_empty() {
        problem = Some("Choose at least one person or schedule to ring.".to_owned());
    }
    if problem.is_some() || f.get("go").map(String::as_str) != Some("next") {
        return routing_page(&s, &v, &d, problem).await;
    }
    Ok(Redirect::to(&format!("/lines/new/{}/messages", d.id)).into_response())
}

/// `POST /lines/new/{id}/messages` (multipart: each message's text, and optionally
/// `audio_{kind}`, a recording played instead): the messages; then the line is created (or
/// updated) and the recordings stored on it.
pub async fn save_messages(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let (f, mut files) = super::super::audio::read_form(form).await?;
    v.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let mut d = own(&s, &v, &id).await?;
    let keep = |m: &Message, kind: &str| Message {
        text: f.get(kind).map_or(m.text.as_str(), |t| t.trim()).to_owned(),
        ..m.clone()
    };
    d.draft.messages.welcome = keep(&d.draft.messages.welcome, "welcome");
    d.draft.messages.no_one_on_call = keep(&d.draft.messages.no_one_on_call, "no_one_on_call");
    d.draft.messages.no_answer = keep(&d.draft.messages.no_answer, "no_answer");
    s.store
        .save_draft(d.id, &d.draft, d.line)
        .await
        .map_err(ApiError::store("line being set up"))?;
    let messages = json!({
        "welcome": {"text": d.draft.messages.welcome.text},
        "no_one_on_call": {"text": d.draft.messages.no_one_on_call.text},
        "no_answer": {"text": d.draft.messages.no_answer.text},
    });
    let made = match d.line {
        Some(line) => {
            let input = super::super::input(json!({ "messages": messages }))?;
            crate::api::lines::update_line(
                State(s.clone()),
                Extension(v.access.clone()),
                Path(line.to_string()),
                ApiJson(input),
            )
            .await
            .map(|Json(l)| l)
        }
        None => {
            let body = json!({
                "name": d.draft.name, "number": d.draft.number, "provider": d.draft.provider,
                "team": d.draft.team, "messages": messages,
                "routing": {"steps": d.draft.steps, "ring_timeout_secs": d.draft.ring_timeout_secs},
            });
            let input = super::super::input(body)?;
            crate::api::lines::create_line(
                State(s.clone()),
                Extension(v.access.clone()),
                ApiJson(input),
            )
            .await
            .map(|(_, Json(l))| l)
        }
    };
    let line = match made {
        Ok(line) => Some(line.id),
        Err(e) => return messages_page(&s, &v, &d, Some(super::super::fixable(e)?)).await,
    };
    s.store
        .save_draft(d.id, &d.draft, line)
        .await
        .map_err(ApiError::store("line being set up"))?;
    d.line = line;
    if let Some(line) = line {
        for (kind, label) in [
            ("welcome", "When the call comes in"),
            ("no_one_on_call", "When nobody is on call"),
            ("no_answer", "When nobody answered"),
        ] {
            let Some(up) = files.remove(&format!("audio_{kind}")) else {
                continue;
            };
            if let Err(e) = super::super::audio::store(&s, &v, line, kind, up).await {
                let why = format!("The recording for “{label}” was not saved: {e}");
                return messages_page(&s, &v, &d, Some(why)).await;
            }
        }
    }
    Ok(Redirect::to(&format!("/lines/new/{}/connect", d.id)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ConnectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    auth_token: String,
}

/// `POST /lines/new/{id}/connect`: the provider's auth token (empty: unchanged).
pub async fn save_auth(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ConnectForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let d = own(&s, &v, &id).await?;
    let Some(line) = d.line else {
        return Ok(Redirect::to(&format!("/lines/new/{}/messages", d.id)).into_response());
    };
    if !f.auth_token.trim().is_empty() {
        let input = super::super::input(json!({"auth_token": f.auth_token.trim()}))?;
        let _ = crate::api::lines::update_line(
            State(s.clone()),
            Extension(v.access.clone()),
            Path(line.to_string()),
            ApiJson(input),
        )
        .await?;
    }
    Ok(Redirect::to(&format!("/lines/new/{}/connect", d.id)).into_response())
}
