//! Reading JSON into domain types, telling a value the domain refused from JSON of the wrong
//! shape.
//!
//! A refused value (a time zone that does not exist) is answered with the field it was in, as
//! a check after reading would be: API bodies get 422 with `field`, files name the key. Any
//! other failure (a missing or unknown field, a number where a string belongs) is the shape.

use serde::de::DeserializeOwned;

/// Why JSON could not be read as the type asked for.
#[derive(Debug)]
pub enum JsonFault {
    /// A value was refused by its type: `field` is its dotted path (`layers[0].name`).
    Refused { field: String, why: String },
    /// The JSON does not have the type's shape; serde's words.
    Shape(serde_json::Error),
}

impl std::fmt::Display for JsonFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonFault::Refused { field, why } => write!(f, "{field}: {why}"),
            JsonFault::Shape(e) => e.fmt(f),
        }
    }
}

fn fault(e: serde_path_to_error::Error<serde_json::Error>) -> JsonFault {
    match switchboard_core::refusal::take() {
        Some(why) => JsonFault::Refused {
            field: e.path().to_string(),
            why,
        },
        None => JsonFault::Shape(e.into_inner()),
    }
}

/// Reads a parsed JSON value as `T`.
pub fn from_value<T: DeserializeOwned>(v: &serde_json::Value) -> Result<T, JsonFault> {
    switchboard_core::refusal::take();
    serde_path_to_error::deserialize(v).map_err(fault)
}

/// Reads JSON text as `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonFault> {
    switchboard_core::refusal::take();
    let mut d = serde_json::Deserializer::from_str(text);
    let v = serde_path_to_error::deserialize(&mut d).map_err(fault)?;
    d.end().map_err(JsonFault::Shape)?;
    Ok(v)
}
