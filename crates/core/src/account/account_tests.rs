//! Tests of `account`.

use super::*;
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
