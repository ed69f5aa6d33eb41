//! A time zone, parsed once from its IANA name.
//!
//! Zones arrive as names (`Europe/Berlin`) in API bodies, files and rows; each is parsed where
//! it arrives, so no code that computes with a zone meets a name that does not resolve.

use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An IANA time zone and the name it was given by.
#[derive(Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

/// A name that is not an IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an IANA time zone name (e.g. Europe/Berlin)")]
pub struct UnknownZone(pub String);

impl Zone {
    /// Parses an IANA name (`Europe/Berlin`, `UTC`).
    pub fn parse(name: &str) -> Result<Zone, UnknownZone> {
        let tz = TimeZone::get(name).map_err(|_| UnknownZone(name.to_owned()))?;
        Ok(Zone {
            name: name.to_owned(),
            tz,
        })
    }

    /// Coordinated Universal Time.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    /// The name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's rules, for computing with.
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Zone::parse(&name).map_err(|e| crate::refusal::refuse(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        let z: Zone = serde_json::from_str("\"America/Chicago\"").unwrap();
        assert_eq!(z.name(), "America/Chicago");
        assert_eq!(serde_json::to_string(&z).unwrap(), "\"America/Chicago\"");
        let e = serde_json::from_str::<Zone>("\"Mars/Base\"").unwrap_err();
        assert!(
            e.to_string()
                .contains("'Mars/Base' is not an IANA time zone name"),
            "{e}"
        );
        assert_eq!(Zone::parse("Berlin"), Err(UnknownZone("Berlin".into())));
        assert_eq!(Zone::utc(), Zone::parse("UTC").unwrap());
    }
}
