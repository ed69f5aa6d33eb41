//! Calls read at once: reads asked for together are answered by one statement, and each
//! asker still gets its own call, as stored after it asked.

use super::*;

pub(super) async fn calls_read_at_once_are_each_their_own_and_current(s: Arc<dyn Store>) {
    let (u, l) = setup(&s).await;
    let other = s
        .create_line(&new_line("+15005550007", u), "token-2", t(0))
        .await
        .unwrap()
        .id;
    let mut calls = Vec::new();
    for i in 0..40 {
        let (c, _) = s
            .start_call(&new_call(l, &format!("CR{i}"), "+14155550199", i), &[], &[])
            .await
            .unwrap();
        // Every third one saved once, so versions differ between calls.
        let c = match i % 3 {
            0 => {
                let c = ended(&c, Outcome::Missed, 50);
                let v = s.save_call(&c, &[], &[], &[], None, t(50)).await.unwrap();
                Call { version: v, ..c }
            }
            _ => c,
        };
        calls.push(c);
    }
    // Everything asked for at once: each call by id and by the carrier's id (some twice), a
    // missing id, a missing carrier id, and a carrier id asked for on the wrong line.
    let mut asks = Vec::new();
    for (i, c) in calls.iter().enumerate() {
        let (s1, s2) = (s.clone(), s.clone());
        let (id, sid) = (c.id, c.provider_call_id.clone());
        asks.push(tokio::spawn(async move { (i, s1.get_call(id).await) }));
        asks.push(tokio::spawn(
            async move { (i, s2.find_call(l, &sid).await) },
        ));
        if i % 10 == 0 {
            let s3 = s.clone();
            asks.push(tokio::spawn(async move { (i, s3.get_call(id).await) }));
        }
    }
    let missing = [
        tokio::spawn({
            let s = s.clone();
            async move { s.get_call(CallId(1_000_000)).await }
        }),
        tokio::spawn({
            let s = s.clone();
            async move { s.find_call(l, "CR-none").await }
        }),
        tokio::spawn({
            let s = s.clone();
            async move { s.find_call(other, "CR1").await }
        }),
    ];
    for a in asks {
        let (i, r) = a.await.unwrap();
        let got = r.unwrap_or_else(|e| panic!("call {i}: {e}"));
        let want = &calls[i];
        assert_eq!(
            (got.id, &got.provider_call_id, got.version, got.outcome),
            (want.id, &want.provider_call_id, want.version, want.outcome),
            "call {i}"
        );
    }
    for m in missing {
        assert!(matches!(m.await.unwrap(), Err(StoreError::NotFound)));
    }

    // A read asked for after a save committed sees it, while other reads keep the readers
    // busy (a read that joined one already running could miss it).
    let busy = {
        let s = s.clone();
        let ids: Vec<CallId> = calls.iter().map(|c| c.id).collect();
        tokio::spawn(async move {
            for n in 0.. {
                let id = ids[n % ids.len()];
                let _ = s.get_call(id).await;
                tokio::task::yield_now().await;
            }
        })
    };
    let mut c = s.get_call(calls[1].id).await.unwrap();
    for round in 0..30 {
        c.attempts.clear();
        c.duration_secs = Some(round);
        let v = s.save_call(&c, &[], &[], &[], None, t(60)).await.unwrap();
        let (by_id, by_sid) = tokio::join!(s.get_call(c.id), s.find_call(l, "CR1"));
        for got in [by_id.unwrap(), by_sid.unwrap()] {
            assert_eq!(
                (got.version, got.duration_secs),
                (v, Some(round)),
                "round {round}"
            );
        }
        c.version = v;
    }
    busy.abort();
}

/// PostgreSQL drops every connection (as a restart does) between two webhooks of busy calls:
/// the calls are still read and saved, and new calls started, at once. The call reader keeps
/// its connection between reads and the pool hands out a recently used one unchecked, so both
/// must notice the dropped connection and go on with a fresh one rather than fail the webhook.
#[tokio::test]
async fn postgres_dropping_connections_fails_no_call_read_or_write() {
    let Some(db) =
        TestDb::postgres("postgres_dropping_connections_fails_no_call_read_or_write").await
    else {
        return;
    };
    let s = switchboard_store::open(&db.url).await.unwrap();
    let (_, l) = setup(&s).await;
    let mut calls = Vec::new();
    for i in 0..6 {
        let (c, _) = s
            .start_call(&new_call(l, &format!("CD{i}"), "+14155550199", i), &[], &[])
            .await
            .unwrap();
        // Read once, so the reader holds a connection.
        s.find_call(l, &c.provider_call_id).await.unwrap();
        calls.push(c);
    }
    for round in 0..2 {
        db.outage().unwrap().drop_connections().await;
        // A write first: the pool hands out a connection used a moment ago, unchecked.
        let (new, fresh) = s
            .start_call(
                &new_call(l, &format!("CN{round}"), "+14155550198", 70),
                &[],
                &[],
            )
            .await
            .unwrap();
        assert!(fresh);
        // Then the reader, on the connection it kept.
        for c in &calls[round * 3..round * 3 + 3] {
            let found = s.find_call(l, &c.provider_call_id).await.unwrap();
            assert_eq!(found.id, c.id);
            let by_id = s.get_call(c.id).await.unwrap();
            let done = ended(&by_id, Outcome::Missed, 60);
            let v = s
                .save_call(&done, &[], &[], &[], None, t(60))
                .await
                .unwrap();
            assert_eq!(v, by_id.version + 1);
            assert_eq!(s.get_call(c.id).await.unwrap().outcome, Outcome::Missed);
        }
        let found = s.find_call(l, &format!("CN{round}")).await.unwrap();
        assert_eq!(found.id, new.id);
    }
}
