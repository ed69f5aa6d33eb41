//! Telling people about cover requests where they are: a Slack direct message from the Slack
//! app of the schedule's team (or of no team) to the person asked, and to the one who asked
//! once it is accepted or declined. Someone without a Slack user id, or a team without a Slack
//! app channel, is told on the dashboard only (home and schedules pages): the job ends quietly.

use crate::app::AppState;
use crate::jobs::JobError;
use switchboard_core::channel::ChannelKind;
use switchboard_core::store::{Job, StoreError};
use switchboard_core::UserId;

/// Slack's mrkdwn: `&`, `<` and `>` escaped.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn retry(e: StoreError) -> JobError {
    JobError::Retry(e.to_string())
}

/// Runs one `cover_notice` job.
pub async fn send(state: &AppState, job: &Job) -> Result<(), JobError> {
    let id = job.payload["request"]
        .as_i64()
        .ok_or_else(|| JobError::Permanent("payload has no request id".into()))?;
    let to = UserId(
        job.payload["to"]
            .as_i64()
            .ok_or_else(|| JobError::Permanent("payload has no user id".into()))?,
    );
    let what = job.payload["what"].as_str().unwrap_or("asked");
    let r = match state.store.get_cover_request(id).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    let (person, requester, coverer, sched) = match (
        state.store.get_user(to).await,
        state.store.get_user(r.requester).await,
        state.store.get_user(r.coverer).await,
        state.store.get_schedule(r.schedule).await,
    ) {
        (Ok(p), Ok(a), Ok(b), Ok(s)) => (p, a, b, s),
        (Err(StoreError::NotFound), ..)
        | (_, Err(StoreError::NotFound), ..)
        | (_, _, Err(StoreError::NotFound), _)
        | (.., Err(StoreError::NotFound)) => return Ok(()),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => return Err(retry(e)),
    };
    let Some(slack_user) = person.slack_user_id.clone() else {
        return Ok(());
    };
    let channels = state.store.list_channels().await.map_err(retry)?;
    let Some((channel, app)) = channels.iter().find_map(|c| match (&c.slack, c.kind) {
        (Some(app), ChannelKind::SlackApp) if c.team == sched.team || c.team.is_none() => {
            Some((c, app))
        }
        _ => None,
    }) else {
        return Ok(());
    };
    let tz = person.time_zone.tz().clone();
    let at = |t: jiff::Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%a %-d %b %H:%M %Z")
            .to_string()
    };
    let span = format!("from {} to {}", at(r.start), at(r.end));
    let link = format!(
        "{}/schedules/{}#covers",
        state.config.public_url.trim_end_matches('/'),
        sched.id
    );
    let note = if r.note.is_empty() {
        String::new()
    } else {
        format!(" (\u{201c}{}\u{201d})", esc(&r.note))
    };
    let text = match what {
        "accepted" => format!(
            "{} accepted to cover you on {} {span}. <{link}|The schedule>",
            esc(&coverer.name),
            esc(&sched.schedule.name)
        ),
        "declined" => format!(
            "{} declined to cover you on {} {span}. <{link}|The schedule>",
            esc(&coverer.name),
            esc(&sched.schedule.name)
        ),
        _ => format!(
            "{} asks you to cover them on {} {span}{note}. <{link}|Accept or decline>",
            esc(&requester.name),
            esc(&sched.schedule.name)
        ),
    };
    crate::slack::post_to(state, channel, app, &slack_user, &text).await
}
