//! `/api/v1/users`.

use super::error::{ApiError, ApiJson, ApiResult};
use super::parse_id;
use super::scope;
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::account::{Access, Role};
use switchboard_core::user::{Clock, NewUser, OtherPhone, PinChange, RingPhones, User};
use switchboard_core::{PhoneNumber, UserId};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "Alice Example", "email": "alice@example.com", "phone": "+14155550101", "other_phones": [{"number": "+14155550111", "label": "desk"}], "ring_phones": "in_order", "time_zone": "Europe/London", "clock": "24h"})))]
pub struct UserInput {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    /// More numbers, tried after `phone` (or with it): `[{number, label?}]`, replacing the list.
    other_phones: Option<Vec<OtherPhoneInput>>,
    /// `in_order` (the default) or `together`.
    #[schema(value_type = Option<switchboard_core::user::RingPhones>)]
    ring_phones: Option<String>,
    /// 4 to 8 digits: the PIN they call back as a hotline with from their own phone (`null`
    /// removes it). Stored as a hash, never shown.
    #[serde(default, deserialize_with = "super::lines::explicit_null")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{4,8}$")]
    callback_pin: Option<Option<String>>,
    #[schema(value_type = Option<switchboard_core::schema::TimeZone>)]
    time_zone: Option<String>,
    /// `24h` (the default) or `12h`: how the dashboard writes their times.
    #[schema(value_type = Option<switchboard_core::user::Clock>)]
    clock: Option<String>,
    /// Their Slack member id (`U…`), or `null`: a Slack app's buttons act as them.
    #[serde(default, deserialize_with = "super::lines::explicit_null")]
    slack_user_id: Option<Option<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherPhoneInput {
    number: String,
    label: Option<String>,
}

/// Applies the phones of `input` over `new` (whose `phone` is set), each problem by place.
fn set_phones(
    new: &mut NewUser,
    others: Option<Vec<OtherPhoneInput>>,
    ring: Option<&str>,
    cur: Option<&User>,
) -> ApiResult<()> {
    new.other_phones = match others {
        Some(list) => list
            .into_iter()
            .enumerate()
            .map(|(i, o)| {
                Ok(OtherPhone {
                    number: PhoneNumber::parse(&o.number).map_err(|m| {
                        switchboard_core::DomainError::new(format!("other_phones[{i}].number"), m)
                    })?,
                    label: o.label.map(|l| l.trim().to_owned()),
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?,
        None => cur.map(|u| u.other_phones.clone()).unwrap_or_default(),
    };
    new.ring_phones = match ring {
        Some(r) => RingPhones::parse(r)?,
        None => cur.map(|u| u.ring_phones).unwrap_or_default(),
    };
    switchboard_core::user::check_other_phones(new.phone.as_ref(), &new.other_phones)?;
    Ok(())
}

/// The call-back PIN change the request asks for: a PIN (4 to 8 digits) hashed, `null` to
/// remove it, or no field to keep it. Written with the user's other fields.
async fn callback_pin(input: &Option<Option<String>>) -> ApiResult<PinChange> {
    match input {
        None => Ok(PinChange::Keep),
        Some(None) => Ok(PinChange::Remove),
        Some(Some(pin)) => {
            if !(4..=8).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
                return Err(ApiError::Invalid(switchboard_core::DomainError::new(
                    "callback_pin",
                    "must be 4 to 8 digits",
                )));
            }
            let hash = crate::accounts::password::hash(pin)
                .await
                .map_err(|e| ApiError::Internal(e.into()))?;
            Ok(PinChange::Set(hash))
        }
    }
}

/// The API's view of a user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    #[schema(value_type = i64, examples(7))]
    pub id: UserId,
    #[schema(examples("Alice Example"))]
    pub name: String,
    #[schema(examples("alice@example.com"))]
    pub email: String,
    /// The number calls ring first, E.164.
    #[schema(value_type = Option<String>, examples("+14155550100"))]
    pub phone: Option<PhoneNumber>,
    pub other_phones: Vec<OtherPhone>,
    pub ring_phones: RingPhones,
    #[schema(value_type = switchboard_core::schema::TimeZone)]
    pub time_zone: switchboard_core::Zone,
    pub clock: Clock,
    /// Their Slack member id (`U…`).
    pub slack_user_id: Option<String>,
    pub role: Role,
    /// Whether they have a password to log in with.
    pub can_log_in: bool,
    /// Whether they set a PIN to call back as a hotline from their own phone.
    pub has_callback_pin: bool,
    pub created_at: jiff::Timestamp,
}

/// `{"users": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserView>,
}

/// The API's view of a user.
pub fn user_json(u: &User) -> UserView {
    UserView {
        id: u.id,
        name: u.name.clone(),
        email: u.email.clone(),
        phone: u.phone.clone(),
        other_phones: u.other_phones.clone(),
        ring_phones: u.ring_phones,
        time_zone: u.time_zone.clone(),
        clock: u.clock,
        slack_user_id: u.slack_user_id.clone(),
        role: u.role,
        can_log_in: u.has_password,
        has_callback_pin: u.has_callback_pin,
        created_at: u.created_at,
    }
}

/// A new user from `input`, every field it leaves out at its default; its call-back PIN is
/// left for the caller to set (hashing it takes time).
pub(crate) fn new_user(input: UserInput) -> ApiResult<NewUser> {
    let mut new = NewUser::validate(
        input.name.as_deref().ok_or_else(|| missing("name"))?,
        input.email.as_deref().ok_or_else(|| missing("email"))?,
        input.phone.as_deref(),
        input.time_zone.as_deref().unwrap_or("UTC"),
    )?;
    if let Some(c) = &input.clock {
        new.clock = Clock::parse(c)?;
    }
    set_phones(
        &mut new,
        input.other_phones,
        input.ring_phones.as_deref(),
        None,
    )?;
    if let Some(Some(id)) = &input.slack_user_id {
        new.slack_user_id = Some(switchboard_core::user::check_slack_user(id)?);
    }
    Ok(new)
}

fn missing(field: &str) -> ApiError {
    ApiError::Invalid(switchboard_core::DomainError::new(field, "is required"))
}

/// Whether `a` may change or delete `target`: oneself, or as an admin; only an owner touches
/// another admin or owner.
fn may_change(a: &Access, target: &User) -> ApiResult<()> {
    if a.user == Some(target.id) {
        return Ok(());
    }
    a.manage_people().map_err(scope::forbidden)?;
    if target.role >= Role::Admin && a.role < Role::Owner {
        return Err(ApiError::Forbidden(
            "only owners may change or delete an admin or an owner".to_owned(),
        ));
    }
    Ok(())
}

#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    request_body = UserInput,
    responses((status = 201, description = "Created", body = UserView))
)]
pub async fn create_user(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(input): ApiJson<UserInput>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    a.manage_people().map_err(scope::forbidden)?;
    let pin = input.callback_pin.clone();
    let mut new = new_user(input)?;
    new.callback_pin = callback_pin(&pin).await?;
    let user = s
        .store
        .create_user(&new, s.clock.now())
        .await
        .map_err(ApiError::store("user"))?;
    Ok((StatusCode::CREATED, Json(user_json(&user))))
}

#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    responses((status = 200, description = "OK", body = UserList))
)]
pub async fn list_users(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
) -> ApiResult<Json<UserList>> {
    let users = s
        .store
        .list_users()
        .await
        .map_err(ApiError::store("user"))?;
    let visible = scope::visible_users(&s, &a).await?;
    let users = users
        .iter()
        .filter(|u| visible.as_ref().is_none_or(|v| v.contains(&u.id)))
        .map(user_json)
        .collect();
    Ok(Json(UserList { users }))
}

#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "users",
    params(("id" = i64, Path, description = "The user's id", example = 1)),
    responses((status = 200, description = "OK", body = UserView))
)]
pub async fn get_user(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<UserView>> {
    let u = scope::user(&s, &a, parse_id(&id, "user")?).await?;
    Ok(Json(user_json(&u)))
}

#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "users",
    params(("id" = i64, Path, description = "The user's id", example = 1)),
    request_body = UserInput,
    responses((status = 200, description = "OK", body = UserView))
)]
pub async fn update_user(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<UserInput>,
) -> ApiResult<Json<UserView>> {
    let id: UserId = parse_id(&id, "user")?;
    may_change(&a, &scope::user(&s, &a, id).await?)?;
    change_user(&s, id, input).await
}

/// `PATCH /api/v1/me`: a responder changes their own name, email, phone or time zone.
#[utoipa::path(
    patch,
    path = "/me",
    tag = "accounts",
    request_body = UserInput,
    responses((status = 200, description = "OK", body = UserView))
)]
pub async fn update_me(
    State(s): State<AppState>,
    axum::Extension(who): axum::Extension<crate::accounts::Principal>,
    ApiJson(input): ApiJson<UserInput>,
) -> ApiResult<Json<UserView>> {
    let id = who.user().ok_or_else(|| {
        ApiError::BadRequest(
            "this owner-level API token is nobody's; change a user with PATCH /users/{id}"
                .to_owned(),
        )
    })?;
    change_user(&s, id, input).await
}

async fn change_user(s: &AppState, id: UserId, input: UserInput) -> ApiResult<Json<UserView>> {
    let cur = s
        .store
        .get_user(id)
        .await
        .map_err(ApiError::store("user"))?;
    let phone = match input.phone {
        Some(p) => Some(p),
        None => cur.phone.as_ref().map(|p| p.to_string()),
    };
    let mut new = NewUser::validate(
        input.name.as_deref().unwrap_or(&cur.name),
        input.email.as_deref().unwrap_or(&cur.email),
        phone.as_deref(),
        input.time_zone.as_deref().unwrap_or(cur.time_zone.name()),
    )?;
    new.clock = match &input.clock {
        Some(c) => Clock::parse(c)?,
        None => cur.clock,
    };
    set_phones(
        &mut new,
        input.other_phones,
        input.ring_phones.as_deref(),
        Some(&cur),
    )?;
    new.slack_user_id = match &input.slack_user_id {
        Some(Some(id)) => Some(switchboard_core::user::check_slack_user(id)?),
        Some(None) => None,
        None => cur.slack_user_id.clone(),
    };
    new.callback_pin = callback_pin(&input.callback_pin).await?;
    let u = s
        .store
        .update_user(id, &new)
        .await
        .map_err(ApiError::store("user"))?;
    Ok(Json(user_json(&u)))
}

#[utoipa::path(
    delete,
    path = "/users/{id}",
    tag = "users",
    params(("id" = i64, Path, description = "The user's id", example = 1)),
    responses((status = 204, description = "Done"))
)]
pub async fn delete_user(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: UserId = parse_id(&id, "user")?;
    let target = scope::user(&s, &a, id).await?;
    may_change(&a, &target)?;
    if target.role == Role::Owner {
        let owners = s
            .store
            .list_users()
            .await
            .map_err(ApiError::store("user"))?
            .iter()
            .filter(|u| u.role == Role::Owner)
            .count();
        if owners <= 1 {
            return Err(ApiError::Conflict(
                "the last owner cannot be deleted; make someone else an owner first".to_owned(),
            ));
        }
    }
    let lines = s
        .store
        .list_lines()
        .await
        .map_err(ApiError::store("line"))?;
    if let Some(l) = lines.iter().find(|l| {
        switchboard_core::routing::configured_steps(l)
            .iter()
            .any(|st| st.users().contains(&id))
    }) {
        return Err(ApiError::Conflict(format!(
            "user {id} is in the routing of line '{}' (id {}); remove them from it first",
            l.name, l.id
        )));
    }
    let schedules = s
        .store
        .list_schedules()
        .await
        .map_err(ApiError::store("schedule"))?;
    if let Some(sc) = schedules
        .iter()
        .find(|sc| sc.schedule.users().contains(&id))
    {
        return Err(ApiError::Conflict(format!(
            "user {id} is in schedule '{}' (id {}); remove them from it first",
            sc.schedule.name, sc.id
        )));
    }
    s.store
        .delete_user(id)
        .await
        .map_err(ApiError::store("user"))?;
    Ok(StatusCode::NO_CONTENT)
}
