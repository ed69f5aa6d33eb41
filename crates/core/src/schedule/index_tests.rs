//! The override index answers exactly as a scan of the overrides in order would (the one
//! listed last among those covering an instant wins), for any overrides and instants.

use super::*;
use crate::Zone;
use proptest::prelude::*;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + s).unwrap()
}

/// The rule, as plainly as it can be written.
fn scan(overrides: &[Override], at: Timestamp) -> Option<UserId> {
    overrides
        .iter()
        .rev()
        .find(|o| o.start <= at && at < o.end)
        .map(|o| o.user)
}

proptest! {
    #[test]
    fn the_index_agrees_with_a_scan(
        spans in prop::collection::vec((0i64..200, 1i64..60, 1i64..5), 0..40),
        probes in prop::collection::vec(-10i64..270, 1..60),
    ) {
        let overrides: Vec<Override> = spans
            .iter()
            .enumerate()
            .map(|(i, (s, len, u))| Override {
                covering: None,
                add: false,
                id: i as u32 + 1,
                user: UserId(*u),
                start: t(*s),
                end: t(s + len),
            })
            .collect();
        let e = Engine::new(&Schedule {
            removals: vec![],
            temporary: vec![],
            id: None,
            name: "Primary".into(),
            time_zone: Zone::parse("UTC").unwrap(),
            layers: vec![],
            overrides: overrides.clone(),
        })
        .unwrap();
        for p in probes {
            prop_assert_eq!(e.on_call(t(p)).first(), scan(&overrides, t(p)), "at {}", p);
        }
    }
}
