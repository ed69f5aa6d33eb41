//! Coverage: when would a call to a line reach nobody?
//!
//! Each routing step is unreachable during some spans (a schedule's gaps, shifts of people
//! without a phone); the line reaches nobody where every step is unreachable at once.

use jiff::Timestamp;

/// A span of time, `[start, end)`.
pub type Span = (Timestamp, Timestamp);

/// The spans where every step is unreachable: the intersection of the steps' spans. Each
/// step's spans must be sorted and not overlap; so are the result's.
pub fn uncovered(steps: &[Vec<Span>]) -> Vec<Span> {
    let Some((first, rest)) = steps.split_first() else {
        return vec![];
    };
    rest.iter()
        .fold(first.clone(), |acc, next| intersect(&acc, next))
}

fn intersect(a: &[Span], b: &[Span]) -> Vec<Span> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        let start = a[i].0.max(b[j].0);
        let end = a[i].1.min(b[j].1);
        if start < end {
            out.push((start, end));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> Timestamp {
        Timestamp::from_second(h * 3600).unwrap()
    }

    #[test]
    fn the_line_is_uncovered_only_where_every_step_is() {
        let primary = vec![(t(0), t(8)), (t(20), t(24))];
        let fallback = vec![(t(6), t(22))];
        assert_eq!(
            uncovered(&[primary.clone(), fallback]),
            vec![(t(6), t(8)), (t(20), t(22))]
        );
        // A step that is always reachable covers everything.
        assert!(uncovered(&[primary.clone(), vec![]]).is_empty());
        assert_eq!(uncovered(std::slice::from_ref(&primary)), primary);
        assert!(uncovered(&[]).is_empty());
    }
}
