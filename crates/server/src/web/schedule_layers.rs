//! The layer editor: `/schedules/{id}/layers/new` and `/schedules/{id}/layers/{layer}`. The
//! rotation is said in words ("Hands off every Monday at 09:00 Europe/Berlin") with its next
//! three handoffs, computed by the engine from what is in the form ("Check" shows them without
//! saving). Turns are written one per line, by name or email, a group joined with `+`. What
//! the form cannot show (windows, monthly weekday rotations, `advance`) is kept as it is.

use super::{fixable, html_fixing, words, Chrome, PageError, Viewer};
use crate::api::error::{ApiError, ApiJson};
use crate::app::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use switchboard_core::schedule::{Engine, Layer, Participant, Schedule, ShiftLength};
use switchboard_core::store::StoredSchedule;
use switchboard_core::user::User;
use switchboard_core::{DomainError, UserId, Zone};

#[derive(Debug, Default, Clone, Deserialize)]
pub struct LayerForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    /// One turn per line; a group's people joined with `+`.
    #[serde(default)]
    pub turns: String,
    #[serde(default)]
    pub start: String,
    /// `hours`, `days`, `weeks`, `months`, or `kept` (the layer's own, unchanged).
    #[serde(default)]
    pub shift: String,
    #[serde(default)]
    pub every: String,
    #[serde(default)]
    pub time_zone: String,
    /// `check` or `save`.
    #[serde(default)]
    pub action: String,
}

#[derive(Template)]
#[template(path = "schedule_layer.html")]
pub struct LayerPage {
    pub chrome: Chrome,
    pub problem: Option<String>,
    pub schedule: i64,
    pub schedule_name: String,
    pub zone: String,
    pub action: String,
    pub form: LayerForm,
    pub kept_shift: Option<String>,
    pub windows: String,
    pub sentence: Option<String>,
    pub next: Vec<String>,
    pub people: Vec<String>,
}

fn user_label(u: &User) -> String {
    u.name.clone()
}

/// The form filled from a stored layer.
fn form_of(l: &Layer, users: &[User]) -> LayerForm {
    let name = |id: &UserId| {
        users
            .iter()
            .find(|u| u.id == *id)
            .map_or_else(|| format!("user {id}"), user_label)
    };
    let (shift, every) = match l.shift {
        ShiftLength::Hours(n) => ("hours", n),
        ShiftLength::Days(n) => ("days", n),
        ShiftLength::Weeks(n) => ("weeks", n),
        ShiftLength::Months(n) => ("months", n),
        ShiftLength::MonthlyWeekday { every, .. } => ("kept", every),
    };
    LayerForm {
        name: l.name.clone(),
        turns: l
            .participants
            .iter()
            .map(|p| p.members().iter().map(name).collect::<Vec<_>>().join(" + "))
            .collect::<Vec<_>>()
            .join("\n"),
        start: l.start.strftime("%Y-%m-%dT%H:%M").to_string(),
        shift: shift.to_owned(),
        every: every.to_string(),
        time_zone: l
            .time_zone
            .as_ref()
            .map(|z| z.name().to_owned())
            .unwrap_or_default(),
        ..Default::default()
    }
}

/// Reads a person's name or email among `users` (the people the viewer may choose).
fn person(raw: &str, line: usize, users: &[User]) -> Result<UserId, DomainError> {
    let want = raw.trim().to_lowercase();
    let found: Vec<&User> = users
        .iter()
        .filter(|u| u.email.to_lowercase() == want)
        .collect();
    let found = if found.is_empty() {
        users
            .iter()
            .filter(|u| u.name.to_lowercase() == want)
            .collect()
    } else {
        found
    };
    match found.as_slice() {
        [one] => Ok(one.id),
        [] => Err(DomainError::new(
            "turns",
            format!(
                "line {line}: nobody called {:?} (write a name or an email)",
                raw.trim()
            ),
        )),
        _ => Err(DomainError::new(
            "turns",
            format!(
                "line {line}: several people are called {:?}; write their email instead",
                raw.trim()
            ),
        )),
    }
}

impl LayerForm {
    /// The layer the form describes, over `old` (whose windows and other fields it keeps).
    fn layer(&self, old: Option<&Layer>, users: &[User]) -> Result<Layer, DomainError> {
        let mut participants = vec![];
        for (i, line) in self
            .turns
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let members = line
                .split('+')
                .filter(|x| !x.trim().is_empty())
                .map(|x| person(x, i + 1, users))
                .collect::<Result<Vec<_>, _>>()?;
            participants.push(match members.as_slice() {
                [one] => Participant::User(*one),
                _ => Participant::Group(members),
            });
        }
        let start = self.start.parse().map_err(|_| {
            DomainError::new("start", "must be a date and time such as 2026-11-23T09:00")
        })?;
        let n: u32 = self
            .every
            .trim()
            .parse()
            .map_err(|_| DomainError::new("every", "must be a whole number"))?;
        let shift = match (self.shift.as_str(), old) {
            ("hours", _) => ShiftLength::Hours(n),
            ("days", _) => ShiftLength::Days(n),
            ("weeks", _) => ShiftLength::Weeks(n),
            ("months", _) => ShiftLength::Months(n),
            ("kept", Some(o)) => o.shift,
            _ => {
                return Err(DomainError::new(
                    "shift",
                    "choose hours, days, weeks or months",
                ))
            }
        };
        let time_zone =
            match self.time_zone.trim() {
                "" => None,
                z => Some(Zone::parse(z).map_err(|_| {
                    DomainError::new("time_zone", format!("{z:?} is not a time zone"))
                })?),
            };
        let base = old.cloned().unwrap_or(Layer {
            id: 0,
            name: String::new(),
            participants: vec![],
            time_zone: None,
            start,
            shift,
            end: None,
            restrictions: vec![],
            advance: Default::default(),
        });
        Ok(Layer {
            name: self.name.trim().to_owned(),
            participants,
            start,
            shift,
            time_zone,
            ..base
        })
    }
}

async fn visible_people(s: &AppState, v: &Viewer) -> Result<Vec<User>, PageError> {
    let visible = crate::api::scope::visible_users(s, &v.access).await?;
    Ok(s.store
        .list_users()
        .await
        .map_err(ApiError::store("user"))?
        .into_iter()
        .filter(|u| visible.as_ref().is_none_or(|set| set.contains(&u.id)))
        .collect())
}

async fn page(
    s: &AppState,
    v: &Viewer,
    st: &StoredSchedule,
    lid: Option<u32>,
    form: LayerForm,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let users = visible_people(s, v).await?;
    let old = lid.and_then(|id| st.schedule.layers.iter().find(|l| l.id == id));
    // The sentence and next handoffs of what the form says, when it reads.
    let (sentence, next) = match form.layer(old, &users) {
        Ok(l) => {
            let zone = l
                .time_zone
                .clone()
                .unwrap_or_else(|| st.schedule.time_zone.clone());
            let sentence = words::handoff_sentence(&l, zone.name());
            let zone = &zone;
            let alone = Schedule {
                layers: vec![l],
                overrides: vec![],
                removals: vec![],
                temporary: vec![],
                ..st.schedule.clone()
            };
            let next = match Engine::new(&alone) {
                Ok(e) => e
                    .next_handoffs(0, s.clock.now(), 3)
                    .into_iter()
                    .map(|t| {
                        super::view::time(
                            t,
                            &super::view::Local {
                                zone: zone.clone(),
                                clock: v.user.clock,
                            },
                        )
                        .text
                    })
                    .collect(),
                Err(_) => vec![],
            };
            (Some(sentence), next)
        }
        Err(_) => (None, vec![]),
    };
    let fixing = problem.is_some();
    html_fixing(
        &LayerPage {
            chrome: v.chrome(s, "schedules").await,
            problem,
            schedule: st.id.0,
            schedule_name: st.schedule.name.clone(),
            zone: st.schedule.time_zone.name().to_owned(),
            action: match lid {
                Some(l) => format!("/schedules/{}/layers/{l}", st.id),
                None => format!("/schedules/{}/layers/new", st.id),
            },
            kept_shift: old
                .filter(|o| matches!(o.shift, ShiftLength::MonthlyWeekday { .. }))
                .map(|o| words::handoff_sentence(o, "")),
            windows: old.map_or_else(|| "Always".to_owned(), words::windows),
            form,
            sentence,
            next,
            people: users
                .iter()
                .map(|u| format!("{} ({})", u.name, u.email))
                .collect(),
        },
        fixing,
    )
}

async fn load(s: &AppState, v: &Viewer, id: &str) -> Result<StoredSchedule, PageError> {
    Ok(crate::api::scope::schedule(s, &v.access, crate::api::parse_id(id, "schedule")?).await?)
}

/// `GET /schedules/{id}/layers/{layer}` (`new`: an empty form).
pub async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, layer)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let st = load(&s, &v, &id).await?;
    if layer == "new" {
        let today = s
            .clock
            .now()
            .to_zoned(st.schedule.time_zone.tz().clone())
            .date();
        let form = LayerForm {
            start: format!("{today}T09:00"),
            shift: "weeks".into(),
            every: "1".into(),
            ..Default::default()
        };
        return page(&s, &v, &st, None, form, None).await;
    }
    let lid: u32 = crate::api::parse_id(&layer, "layer")?;
    let old = st
        .schedule
        .layers
        .iter()
        .find(|l| l.id == lid)
        .ok_or(ApiError::NotFound("layer"))?;
    let form = form_of(old, &visible_people(&s, &v).await?);
    page(&s, &v, &st, Some(lid), form, None).await
}

/// `POST /schedules/{id}/layers/{layer}`: `check` shows the handoffs; `save` saves through
/// the API's layer handlers.
pub async fn submit(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, layer)): Path<(String, String)>,
    Form(f): Form<LayerForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let st = load(&s, &v, &id).await?;
    let lid: Option<u32> = match layer.as_str() {
        "new" => None,
        other => Some(crate::api::parse_id(other, "layer")?),
    };
    let users = visible_people(&s, &v).await?;
    let old = lid.and_then(|l| st.schedule.layers.iter().find(|x| x.id == l));
    if lid.is_some() && old.is_none() {
        return Err(ApiError::NotFound("layer").into());
    }
    let built = match f.layer(old, &users) {
        Ok(l) => l,
        Err(e) => return page(&s, &v, &st, lid, f, Some(fixable(e.into())?)).await,
    };
    if f.action == "check" {
        // Showing the handoffs changes nothing: the audit trail leaves it out.
        return Ok(crate::audit::unchanged(
            page(&s, &v, &st, lid, f, None).await?,
        ));
    }
    let (state, access) = (State(s.clone()), Extension(v.access.clone()));
    let saved = match lid {
        Some(l) => crate::api::schedules::update_layer(
            state,
            access,
            Path((id.clone(), l.to_string())),
            ApiJson(built),
        )
        .await
        .map(|_| ()),
        None => crate::api::schedules::add_layer(state, access, Path(id.clone()), ApiJson(built))
            .await
            .map(|_| ()),
    };
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/schedules/{id}#layers")).into_response()),
        Err(e) => page(&s, &v, &st, lid, f, Some(fixable(e)?)).await,
    }
}

/// `POST /schedules/{id}/layers/{layer}/delete`: through the API.
pub async fn delete(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, layer)): Path<(String, String)>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let st = load(&s, &v, &id).await?;
    match crate::api::schedules::delete_layer(
        State(s.clone()),
        Extension(v.access.clone()),
        Path((id.clone(), layer)),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/schedules/{id}#layers")).into_response()),
        Err(e) => page(&s, &v, &st, None, LayerForm::default(), Some(fixable(e)?)).await,
    }
}
