//! Tests of `account`.

use super::*;
use crate::TeamId;
use jiff::SignedDuration;

#[test]
fn roles_round_trip_and_order_by_power() {
    for r in [Role::Member, Role::Admin, Role::Owner] {
        assert_eq!(Role::parse(r.as_str()), Some(r));
    }
    assert_eq!(Role::parse("root"), None);
    assert!(Role::Owner > Role::Admin && Role::Admin > Role::Member);
}

#[test]
fn passwords_must_be_long_uncommon_and_not_about_the_person() {
    let ok = |p: &str| check_password(p, "alice@example.com", "Alice Smith");
    assert!(ok("plum kettle orbit 9").is_ok());
    for bad in [
        "short",
        "passwordpassword",
        "Password1234!!",
        "alice-is-great-2026",
        "aaaaaaaaaaaaaa",
        &"x".repeat(300),
    ] {
        let e = ok(bad).unwrap_err();
        assert_eq!(e.field, "password", "{bad}");
    }
}

#[test]
fn sessions_end_when_idle_or_too_old() {
    let t0: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
    let s = Session {
        user_id: UserId(1),
        csrf: "c".into(),
        created_at: t0,
        last_seen_at: t0,
    };
    assert!(s.is_live(t0 + SignedDuration::from_hours(11)));
    assert!(!s.is_live(t0 + SESSION_IDLE));
    let busy = Session {
        last_seen_at: t0 + SESSION_ABSOLUTE - SignedDuration::from_mins(1),
        ..s.clone()
    };
    assert!(busy.is_live(t0 + SESSION_ABSOLUTE - SignedDuration::from_secs(1)));
    assert!(!busy.is_live(t0 + SESSION_ABSOLUTE));
}

#[test]
fn throttles_close_at_their_limit() {
    assert!(!ACCOUNT_THROTTLE.closed(4));
    assert!(ACCOUNT_THROTTLE.closed(5));
    assert!(!ADDRESS_THROTTLE.closed(19));
    let now: Timestamp = "2026-12-01T00:15:00Z".parse().unwrap();
    assert_eq!(
        ACCOUNT_THROTTLE.since(now),
        "2026-12-01T00:00:00Z".parse::<Timestamp>().unwrap()
    );
}

fn member_of(teams: &[i64]) -> Access {
    Access {
        user: Some(UserId(7)),
        role: Role::Member,
        teams: teams.iter().map(|t| TeamId(*t)).collect(),
    }
}

#[test]
fn members_see_only_their_teams_and_admins_everything() {
    let m = member_of(&[1, 2]);
    assert!(m.sees(Some(TeamId(1))));
    assert!(!m.sees(Some(TeamId(3))));
    assert!(!m.sees(None), "an unowned resource is for admins");
    let admin = Access {
        role: Role::Admin,
        ..member_of(&[])
    };
    assert!(admin.sees(Some(TeamId(3))) && admin.sees(None));
    assert!(Access::owner_level().sees(None));
    assert!(m.sees_user(UserId(7), &[]), "oneself");
    assert!(m.sees_user(UserId(8), &[TeamId(2)]), "a teammate");
    assert!(!m.sees_user(UserId(9), &[TeamId(3)]), "a stranger");
    assert!(m.manage_people().is_err() && admin.manage_people().is_ok());
}

#[test]
fn a_new_resource_goes_to_a_team_the_member_is_in() {
    assert_eq!(member_of(&[4]).team_for_new(None), Ok(Some(TeamId(4))));
    assert!(member_of(&[4, 5]).team_for_new(None).is_err(), "which one?");
    assert!(member_of(&[]).team_for_new(None).is_err());
    assert!(member_of(&[4]).team_for_new(Some(TeamId(5))).is_err());
    assert_eq!(
        member_of(&[4, 5]).team_for_new(Some(TeamId(5))),
        Ok(Some(TeamId(5)))
    );
    assert_eq!(Access::owner_level().team_for_new(None), Ok(None));
    assert_eq!(
        Access::owner_level().team_for_new(Some(TeamId(9))),
        Ok(Some(TeamId(9)))
    );
}

#[test]
fn members_move_resources_only_between_their_teams() {
    let m = member_of(&[1, 2]);
    assert!(m.may_move(Some(TeamId(1)), Some(TeamId(2))).is_ok());
    assert!(m.may_move(Some(TeamId(1)), Some(TeamId(3))).is_err());
    assert!(m.may_move(Some(TeamId(1)), None).is_err());
    assert!(Access::owner_level()
        .may_move(Some(TeamId(1)), None)
        .is_ok());
}
