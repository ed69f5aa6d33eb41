//! Errors for the log: the whole cause chain, once.

use std::error::Error;

/// `e` and every error beneath it, joined with `: `; a cause whose text the message already
/// holds is not repeated (many errors print their source in their own message).
pub fn chain(e: &(dyn Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("middle: {0}")]
    struct Middle(#[source] std::io::Error);

    #[test]
    fn every_cause_appears_once() {
        let e = Outer(Middle(std::io::Error::other("disk full")));
        assert_eq!(chain(&e), "outer: middle: disk full");
    }
}
