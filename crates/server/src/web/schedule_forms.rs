//! The schedule page's forms: a new schedule, the override form (cover a person, cover
//! everyone, or add someone; a preview of the final schedule before saving), deleting an
//! override, cover requests (ask, accept, decline, withdraw) and a personal calendar link.
//! Every change goes through the API's own handlers.

use super::calls::Opt;
use super::schedules::{detail, list_page, Row, ViewQuery};
use super::timeline::{self, Item, Lane, Names, Stretch, Window};
use super::{fixable, Viewer};
use crate::api::error::{ApiError, ApiJson};
use crate::app::AppState;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use jiff::civil::DateTime;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use switchboard_core::schedule::cover::CoverStatus;
use switchboard_core::schedule::{instant, Engine, Override, Schedule};
use switchboard_core::store::StoredSchedule;
use switchboard_core::{DomainError, UserId};

use super::PageError;

/// The override form as filled in (times are wall-clock times in the schedule's zone).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct OverrideForm {
    #[serde(default)]
    pub csrf: String,
    /// `person` (cover one person's time), `everyone` (replace everyone) or `add`.
    #[serde(default)]
    pub kind: String,
    /// Who takes the time.
    #[serde(default)]
    pub user: String,
    /// Whose time, for `person`.
    #[serde(default)]
    pub covered: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    /// `preview` or `save`.
    #[serde(default)]
    pub action: String,
}

fn local_input(t: Timestamp, s: &Schedule) -> String {
    t.to_zoned(s.time_zone.tz().clone())
        .datetime()
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

impl OverrideForm {
    /// The form pre-filled from a gap's "Cover this gap" link.
    pub fn from_gap(q: &ViewQuery, s: &Schedule) -> OverrideForm {
        let parse = |v: &Option<String>| v.as_deref().and_then(|x| x.parse::<Timestamp>().ok());
        match (parse(&q.cover_start), parse(&q.cover_end)) {
            (Some(a), Some(b)) => OverrideForm {
                kind: "everyone".into(),
                start: local_input(a, s),
                end: local_input(b, s),
                ..Default::default()
            },
            _ => OverrideForm {
                kind: "person".into(),
                ..Default::default()
            },
        }
    }

    /// The overrides this form makes on `s`: a cover is cut to the covered person's own
    /// stretches in the span, so it never replaces anyone else.
    pub fn overrides(&self, s: &Schedule) -> Result<Vec<Override>, DomainError> {
        let user: UserId = self
            .user
            .parse()
            .map(UserId)
            .map_err(|_| DomainError::new("user", "choose who takes the time"))?;
        let when = |field: &str, v: &str| -> Result<Timestamp, DomainError> {
            let dt: DateTime = v.parse().map_err(|_| {
                DomainError::new(field, "must be a date and time such as 2026-11-24T09:00")
            })?;
            Ok(instant(s.time_zone.tz(), dt))
        };
        let (start, end) = (when("start", &self.start)?, when("end", &self.end)?);
        if end <= start {
            return Err(DomainError::new("end", "must be after the start"));
        }
        let one = |covering, add| Override {
            id: 0,
            user,
            start,
            end,
            covering,
            add,
        };
        match self.kind.as_str() {
            "everyone" => Ok(vec![one(None, false)]),
            "add" => Ok(vec![one(None, true)]),
            "person" => {
                let covered: UserId = self
                    .covered
                    .parse()
                    .map(UserId)
                    .map_err(|_| DomainError::new("covered", "choose whose time to cover"))?;
                let e = Engine::new(s)?;
                let pieces: Vec<Override> = e
                    .timeline(start, end)
                    .into_iter()
                    .filter(|x| x.users.contains(&covered))
                    .map(|x| Override {
                        start: x.start,
                        end: x.end,
                        covering: Some(covered),
                        ..one(None, false)
                    })
                    .collect();
                if pieces.is_empty() {
                    return Err(DomainError::new(
                        "covered",
                        "that person is not on call in this span",
                    ));
                }
                Ok(pieces)
            }
            _ => Err(DomainError::new(
                "kind",
                "choose cover a person, cover everyone or add someone",
            )),
        }
    }
}

impl OverrideForm {
    /// The span the form names, when it reads.
    pub fn span(&self, s: &Schedule) -> Option<(Timestamp, Timestamp)> {
        let at = |v: &str| {
            v.parse::<DateTime>()
                .ok()
                .map(|dt| instant(s.time_zone.tz(), dt))
        };
        Some((at(&self.start)?, at(&self.end)?)).filter(|(a, b)| a < b)
    }
}

/// The final schedule with the form's overrides, drawn translucent over the days the change
/// touches (a day either side, at most 31 days), in the page's zone.
pub fn preview(s: &Schedule, f: &OverrideForm, w: &Window, names: &Names) -> Option<Lane> {
    if f.action != "preview" {
        return None;
    }
    let made = f.overrides(s).ok()?;
    let (a, b) = (made.first()?.start, made.iter().map(|o| o.end).max()?);
    let day = |t: Timestamp| t.to_zoned(w.zone.tz().clone()).date();
    let first = day(a).yesterday().ok()?;
    let days = (day(b) - first).get_days().clamp(1, 30) + 2;
    let w = &Window::new(first, i64::from(days), w.zone.clone())?;
    let mut with = s.clone();
    with.overrides.extend(made);
    let e = Engine::new(&with).ok()?;
    let week = jiff::SignedDuration::from_hours(24 * 7);
    let st: Vec<Stretch> = e
        .timeline(
            w.start.checked_sub(week).ok()?,
            w.end.checked_add(week).ok()?,
        )
        .into_iter()
        .map(Stretch::from)
        .collect();
    let mut lane = timeline::lane("With this change".to_owned(), w, &st, names, None);
    for i in &mut lane.items {
        i.class.push_str(" draft");
    }
    Some(lane)
}

fn name(names: &Names, u: UserId) -> String {
    names.who(&[u])
}

/// What an override does, in words.
fn sentence(o: &Override, names: &Names) -> String {
    match (o.covering, o.add) {
        (Some(c), _) => format!("{} covers {}", name(names, o.user), name(names, c)),
        (None, true) => format!("Adds {}", name(names, o.user)),
        (None, false) => format!("{} replaces everyone", name(names, o.user)),
    }
}

/// The overrides and removals over the window.
pub fn overrides_lane(s: &Schedule, w: &Window, names: &Names) -> Lane {
    let mut items = vec![];
    let mut put = |a: Timestamp, b: Timestamp, label: String, class: String, href: String| {
        if b <= w.start || a >= w.end {
            return;
        }
        let span = format!(
            "from {} to {} ({})",
            timeline::at(w, a, names.clock),
            timeline::at(w, b, names.clock),
            w.zone.name()
        );
        items.push(Item {
            x: format!("{:.3}%", w.pct(a.max(w.start))),
            width: format!("{:.3}%", w.pct(b.min(w.end)) - w.pct(a.max(w.start))),
            title: format!("{label} {span}"),
            label,
            class,
            href,
        });
    };
    for o in &s.overrides {
        put(
            o.start,
            o.end,
            sentence(o, names),
            format!("override p{}", timeline::colour(o.user)),
            format!("#override-{}", o.id),
        );
    }
    for r in &s.removals {
        put(
            r.start,
            r.end,
            "Nobody from this schedule".into(),
            "gap removal".into(),
            String::new(),
        );
    }
    Lane {
        name: "Overrides".to_owned(),
        items,
    }
}

/// The overrides `keep` keeps, each with its delete form.
pub fn override_rows(
    s: &Schedule,
    w: &Window,
    names: &Names,
    keep: impl Fn(&Override) -> bool,
) -> Vec<Row> {
    s.overrides
        .iter()
        .filter(|o| keep(o))
        .map(|o| Row {
            id: format!("override-{}", o.id),
            text: format!(
                "{}: {} to {}",
                sentence(o, names),
                timeline::at(w, o.start, names.clock),
                timeline::at(w, o.end, names.clock)
            ),
            actions: vec![(
                format!(
                    "/schedules/{}/overrides/{}/delete",
                    s.id.map_or(0, |i| i.0),
                    o.id
                ),
                "Delete".to_owned(),
            )],
        })
        .collect()
}

/// The schedule's cover requests, newest first, with what the viewer may do.
pub async fn cover_rows(
    s: &AppState,
    v: &Viewer,
    st: &StoredSchedule,
    names: &HashMap<UserId, String>,
) -> Result<Vec<Row>, PageError> {
    let local = v.local();
    let admin = v.access.manage_people().is_ok();
    let n = |u: UserId| {
        names
            .get(&u)
            .cloned()
            .unwrap_or_else(|| format!("user {u}"))
    };
    Ok(s.store
        .list_cover_requests(st.id)
        .await
        .map_err(ApiError::store("cover request"))?
        .into_iter()
        .take(20)
        .map(|r| {
            let mut actions = vec![];
            if r.status == CoverStatus::Pending {
                if r.coverer == v.user.id || admin {
                    actions.push((
                        format!("/cover-requests/{}/accept", r.id),
                        "Accept".to_owned(),
                    ));
                    actions.push((
                        format!("/cover-requests/{}/decline", r.id),
                        "Decline".to_owned(),
                    ));
                }
                if r.requester == v.user.id || admin {
                    actions.push((
                        format!("/cover-requests/{}/withdraw", r.id),
                        "Withdraw".to_owned(),
                    ));
                }
            }
            Row {
                id: format!("cover-{}", r.id),
                text: format!(
                    "{} asks {} to cover {} to {}{}: {}",
                    n(r.requester),
                    n(r.coverer),
                    super::view::time(r.start, &local).text,
                    super::view::time(r.end, &local).text,
                    if r.note.is_empty() {
                        String::new()
                    } else {
                        format!(" (\u{201c}{}\u{201d})", r.note)
                    },
                    r.status.as_str()
                ),
                actions,
            }
        })
        .collect())
}

/// The people the viewer may put on the schedule.
pub async fn people(
    s: &AppState,
    v: &Viewer,
    names: &HashMap<UserId, String>,
) -> Result<Vec<Opt>, PageError> {
    let visible = crate::api::scope::visible_users(s, &v.access).await?;
    let mut out: Vec<Opt> = names
        .iter()
        .filter(|(u, _)| visible.as_ref().is_none_or(|set| set.contains(u)))
        .map(|(u, n)| Opt {
            value: u.0.to_string(),
            label: n.clone(),
            selected: false,
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(out)
}

async fn load(s: &AppState, v: &Viewer, id: &str) -> Result<StoredSchedule, PageError> {
    Ok(crate::api::scope::schedule(s, &v.access, crate::api::parse_id(id, "schedule")?).await?)
}

#[derive(Debug, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    csrf: String,
    name: String,
    time_zone: String,
    #[serde(default)]
    team: String,
}

/// `POST /schedules`: through `POST /api/v1/schedules`; then its page, to add a layer.
pub async fn create(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<NewForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let mut body = json!({"name": f.name, "time_zone": f.time_zone.trim()});
    if let Ok(t) = f.team.parse::<i64>() {
        body["team"] = json!(t);
    }
    let made = match super::input(body) {
        Ok(input) => {
            crate::api::schedules::create_schedule(
                State(s.clone()),
                Extension(v.access.clone()),
                ApiJson(input),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok((_, Json(st))) => {
            Ok(Redirect::to(&format!("/schedules/{}#layers", st.id)).into_response())
        }
        Err(e) => list_page(&s, &v, Some(fixable(e)?)).await,
    }
}

/// `POST /schedules/{id}/overrides`: `action=preview` shows the page with the result drawn;
/// `save` adds the overrides in one change of the schedule.
pub async fn override_submit(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<OverrideForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let st = load(&s, &v, &id).await?;
    let q = ViewQuery::default();
    let problem = match f.overrides(&st.schedule) {
        // A preview (or a refused one) changes nothing: the audit trail leaves it out.
        Err(e) if f.action == "preview" => {
            let problem = Some(fixable(e.into())?);
            let shown = detail(&s, &v, &st, &q, f, problem, None).await?;
            return Ok(crate::audit::unchanged(shown));
        }
        Ok(_) if f.action == "preview" => {
            let shown = detail(&s, &v, &st, &q, f, None, None).await?;
            return Ok(crate::audit::unchanged(shown));
        }
        Err(e) => Some(fixable(e.into())?),
        Ok(_) => {
            let form = f.clone();
            let saved = crate::api::schedules::modify(&s, &v.access, &id, None, |sched| {
                // Cut against the schedule as it is now, in the same change.
                sched.overrides.extend(form.overrides(sched)?);
                Ok(())
            })
            .await;
            match saved {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/schedules/{id}#overrides")).into_response())
                }
                Err(e) => Some(fixable(e)?),
            }
        }
    };
    detail(&s, &v, &st, &q, f, problem, None).await
}

/// `POST /schedules/{id}/overrides/{override}/delete`: through the API's delete.
pub async fn override_delete(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, oid)): Path<(String, String)>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let st = load(&s, &v, &id).await?;
    match crate::api::schedules::delete_override(
        State(s.clone()),
        Extension(v.access.clone()),
        Path((id.clone(), oid)),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/schedules/{id}#overrides")).into_response()),
        Err(e) => shown_again(&s, &v, &st, Some(fixable(e)?), None).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct CoverForm {
    #[serde(default)]
    csrf: String,
    coverer: String,
    start: String,
    end: String,
    #[serde(default)]
    note: String,
}

/// `POST /schedules/{id}/cover-requests`: through the API.
pub async fn cover_ask(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<CoverForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let st = load(&s, &v, &id).await?;
    let tz = st.schedule.time_zone.tz().clone();
    let when = |field: &str, raw: &str| -> Result<Timestamp, ApiError> {
        raw.parse::<DateTime>()
            .map(|dt| instant(&tz, dt))
            .map_err(|_| {
                DomainError::new(field, "must be a date and time such as 2026-11-24T09:00").into()
            })
    };
    let asked = async {
        let body = json!({"coverer": f.coverer.parse::<i64>().map_err(|_| DomainError::new("coverer", "choose who to ask"))?,
            "start": when("start", &f.start)?, "end": when("end", &f.end)?, "note": f.note});
        crate::api::cover::create_cover(State(s.clone()), Extension(v.access.clone()), Path(id.clone()), ApiJson(super::input(body)?)).await
    }
    .await;
    match asked {
        Ok(_) => Ok(Redirect::to(&format!("/schedules/{id}#covers")).into_response()),
        Err(e) => shown_again(&s, &v, &st, Some(fixable(e)?), None).await,
    }
}

/// `POST /cover-requests/{id}/{accept|decline|withdraw}`: through the API; back to the page
/// the form came from.
pub async fn cover_decide(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, what)): Path<(String, String)>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let (st, a, p) = (State(s.clone()), Extension(v.access.clone()), Path(id));
    let done = match what.as_str() {
        "accept" => crate::api::cover::accept_cover(st, a, p).await,
        "decline" => crate::api::cover::decline_cover(st, a, p).await,
        "withdraw" => crate::api::cover::withdraw_cover(st, a, p).await,
        _ => return Err(ApiError::NotFound("page").into()),
    };
    match done {
        Ok(Json(r)) => {
            Ok(Redirect::to(&format!("/schedules/{}#covers", r.schedule)).into_response())
        }
        Err(e) => {
            let problem = fixable(e)?;
            list_page(&s, &v, Some(problem)).await
        }
    }
}

/// `POST /schedules/{id}/my-calendar`: a new secret link to every shift of the viewer's,
/// shown once on the page.
pub async fn my_calendar(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let st = load(&s, &v, &id).await?;
    let Json(made) = crate::api::schedules::rotate_user_feed(
        State(s.clone()),
        Extension(v.access.clone()),
        Path(v.user.id.0.to_string()),
    )
    .await?;
    let link = Some(made.calendar_url);
    shown_again(&s, &v, &st, None, link).await
}

/// The schedule's page as it opens, with `problem` or a new calendar `link` to show.
async fn shown_again(
    s: &AppState,
    v: &Viewer,
    st: &StoredSchedule,
    problem: Option<String>,
    link: Option<String>,
) -> Result<Response, PageError> {
    let q = ViewQuery::default();
    let form = OverrideForm::from_gap(&q, &st.schedule);
    detail(s, v, st, &q, form, problem, link).await
}
