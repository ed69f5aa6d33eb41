//! The configuration version: what a cache of lines, users and schedules checks.

use super::*;
use sqlx::Connection as _;
use std::time::Duration;
use switchboard_core::line::TestMode;
use switchboard_core::user::PinChange;

/// Every change to a line, a user or a schedule changes the version, each in its own
/// transaction; a call's writes do not (calls would otherwise empty every cache).
pub(super) async fn what_routes_a_call_changes_the_config_version(s: Arc<dyn Store>) {
    let mut last = s.config_version().await.unwrap();
    let mut changed = |now: i64, what: &str| {
        assert_ne!(now, last, "{what} changes the version");
        last = now;
    };
    let alice = s.create_user(&new_user("Alice"), t(0)).await.unwrap();
    changed(s.config_version().await.unwrap(), "a new user");
    let line = s
        .create_line(&new_line("+15005550006", alice.id), "token-1", t(0))
        .await
        .unwrap();
    changed(s.config_version().await.unwrap(), "a new line");

    // A call, its save, its incident and its jobs leave it as it is.
    let before = s.config_version().await.unwrap();
    let (call, _) = s
        .start_call(
            &new_call(line.id, "CAV1", "+14155550199", 1),
            &[event("start")],
            &[],
        )
        .await
        .unwrap();
    let mut ended = call.clone();
    ended.outcome = Outcome::Missed;
    ended.phase = Phase::Done;
    ended.ended_at = Some(t(30));
    s.save_call(&ended, &[event("ended")], &[], &[], None, t(30))
        .await
        .unwrap();
    assert_eq!(s.config_version().await.unwrap(), before, "calls leave it");

    let mut changed_line = new_line("+15005550006", alice.id);
    changed_line.routing.ring_timeout_secs = 30;
    s.update_line(line.id, &changed_line).await.unwrap();
    changed(s.config_version().await.unwrap(), "a changed line");
    let test = TestMode {
        user: alice.id,
        until: t(3600),
    };
    s.set_test_mode(line.id, Some(test)).await.unwrap();
    changed(s.config_version().await.unwrap(), "test mode");

    let mut bob = new_user("Bob");
    bob.phone = Some(PhoneNumber::parse("+14155550102").unwrap());
    let bob = s.create_user(&bob, t(0)).await.unwrap();
    changed(s.config_version().await.unwrap(), "another user");
    let mut renamed = new_user("Bob");
    renamed.name = "Robert".into();
    s.update_user(bob.id, &renamed).await.unwrap();
    changed(s.config_version().await.unwrap(), "a changed user");
    // Whether a caller is a responder who may call back as the line routes a call. The PIN
    // is written with the user's other fields; a write that keeps it leaves it.
    renamed.callback_pin = PinChange::Set("$argon2id$stand-in".into());
    let with_pin = s.update_user(bob.id, &renamed).await.unwrap();
    assert!(with_pin.has_callback_pin);
    changed(s.config_version().await.unwrap(), "a call-back PIN");
    renamed.callback_pin = PinChange::Keep;
    renamed.name = "Bob".into();
    assert!(
        s.update_user(bob.id, &renamed)
            .await
            .unwrap()
            .has_callback_pin
    );
    assert_eq!(
        s.callback_pin(bob.id).await.unwrap().as_deref(),
        Some("$argon2id$stand-in")
    );
    renamed.callback_pin = PinChange::Remove;
    s.update_user(bob.id, &renamed).await.unwrap();
    changed(s.config_version().await.unwrap(), "a PIN removed");
    assert!(!s.get_user(bob.id).await.unwrap().has_callback_pin);
    // A new user with a PIN has it from their first write.
    let mut carol = new_user("Carol");
    carol.callback_pin = PinChange::Set("$argon2id$carol".into());
    let carol = s.create_user(&carol, t(0)).await.unwrap();
    assert!(carol.has_callback_pin);
    assert_eq!(
        s.callback_pin(carol.id).await.unwrap().as_deref(),
        Some("$argon2id$carol")
    );

    let sched = weekly(alice.id);
    let stored = s
        .create_schedule(&sched, "feed-v", None, t(0))
        .await
        .unwrap();
    changed(s.config_version().await.unwrap(), "a new schedule");
    let mut renamed = stored.schedule.clone();
    renamed.name = "Secondary".into();
    s.update_schedule(stored.id, &renamed, None, stored.version)
        .await
        .unwrap();
    changed(s.config_version().await.unwrap(), "a changed schedule");
    s.delete_schedule(stored.id).await.unwrap();
    changed(s.config_version().await.unwrap(), "a deleted schedule");

    s.delete_line(line.id).await.unwrap();
    changed(s.config_version().await.unwrap(), "a deleted line");
    s.delete_user(bob.id).await.unwrap();
    changed(s.config_version().await.unwrap(), "a deleted user");
}

/// PostgreSQL: every change bumps one row. Bumped at a change's first statement, that row would
/// stay locked to its commit, and two changes touching the same rows of two tables in turn
/// would deadlock on it; it is bumped at commit (a deferred trigger), so they take turns.
#[tokio::test]
async fn changes_crossing_lines_and_users_do_not_deadlock_on_the_version() {
    let Some(db) = TestDb::postgres("config_version_deadlock").await else {
        return;
    };
    let store = switchboard_store::open(&db.url).await.unwrap();
    let now = t(0);
    let alice = store.create_user(&new_user("Alice"), now).await.unwrap();
    let line = new_line("+15005550006", alice.id);
    let line = store.create_line(&line, "token-d", now).await.unwrap();
    let before = store.config_version().await.unwrap();

    let mut one = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut two = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut one).await.unwrap();
    sqlx::query("BEGIN").execute(&mut two).await.unwrap();
    // The first changes the user, the second the line...
    sqlx::query("UPDATE users SET name = 'Alicia' WHERE id = $1")
        .bind(alice.id.0)
        .execute(&mut one)
        .await
        .unwrap();
    let q = sqlx::query("UPDATE lines SET name = 'Hotline 2' WHERE id = $1").bind(line.id.0);
    tokio::time::timeout(Duration::from_secs(10), q.execute(&mut two))
        .await
        .expect("the second change is not held up by the first one's")
        .unwrap();
    // ...then the first the line too: it waits for the second, which commits.
    let first = tokio::spawn(async move {
        sqlx::query("UPDATE lines SET name = 'Hotline 1' WHERE id = $1")
            .bind(line.id.0)
            .execute(&mut one)
            .await?;
        sqlx::query("COMMIT").execute(&mut one).await
    });
    // Until the first is waiting on the second's row lock (so the commit order is as said).
    let mut watch = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let waiting = async {
        loop {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(&mut watch)
            .await
            .unwrap();
            if n > 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the first change waits for the second's row");
    let second = tokio::time::timeout(
        Duration::from_secs(10),
        sqlx::query("COMMIT").execute(&mut two),
    )
    .await
    .expect("the second change commits without waiting for the first");
    second.expect("the second change is stored");
    let first = tokio::time::timeout(Duration::from_secs(10), first)
        .await
        .expect("the first change goes on once the second committed")
        .unwrap();
    first.expect("the first change is stored, not chosen as a deadlock's victim");

    // Each changed row counted once (three rows changed).
    assert_eq!(store.config_version().await.unwrap(), before + 3);
    let stored = store.get_line(line.id).await.unwrap();
    assert_eq!(stored.name, "Hotline 1");
    assert_eq!(store.get_user(alice.id).await.unwrap().name, "Alicia");
}
