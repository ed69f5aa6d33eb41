//! Why a value refused itself while being deserialized.
//!
//! A domain type that checks its value as it is deserialized (a [`crate::zone::Zone`] whose
//! name does not resolve) fails through serde, whose errors carry only text. An API answers
//! such a value differently from JSON of the wrong shape: the value is not acceptable (422,
//! naming the field) rather than the body malformed (400). The refusal is therefore also
//! noted here, on the deserializing thread, for the caller to [`take`] when deserialization
//! fails.

use std::cell::RefCell;

thread_local! {
    static REFUSED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The serde error for a refused value, noted for [`take`].
pub fn refuse<E: serde::de::Error>(why: String) -> E {
    let e = E::custom(&why);
    REFUSED.with(|r| *r.borrow_mut() = Some(why));
    e
}

/// The last refusal on this thread, cleared. Call it before deserializing (to clear) and
/// after a failure (to learn whether a value was refused).
pub fn take() -> Option<String> {
    REFUSED.with(|r| r.borrow_mut().take())
}
