//! OpenAPI schemas of the values written as strings: a time zone, a wall-clock time, a local
//! date and time. The API's document (built in the server with `utoipa`) names them, so a
//! client generator sees one type for each, with its format and an example.

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;

macro_rules! string_schema {
    ($(#[$doc:meta])* $name:ident, $description:expr, $example:expr, $pattern:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let mut o = ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .description(Some($description))
                    .examples([serde_json::json!($example)]);
                let pattern: Option<&str> = $pattern;
                if let Some(p) = pattern {
                    o = o.pattern(Some(p));
                }
                RefOr::T(Schema::Object(o.build()))
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

string_schema!(
    /// An IANA time zone name.
    TimeZone,
    "An IANA time zone name, such as Europe/London or America/Chicago.",
    "Europe/London",
    None
);
string_schema!(
    /// A time of day on the wall clock.
    WallTime,
    "A time of day on the wall clock, HH:MM or HH:MM:SS (24-hour).",
    "09:00:00",
    Some(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$")
);
string_schema!(
    /// A local date and time, without a zone (read in a schedule's or a layer's zone).
    LocalDateTime,
    "A date and time on the wall clock, without a zone: YYYY-MM-DDTHH:MM[:SS].",
    "2026-12-07T09:00:00",
    Some(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$")
);

impl utoipa::PartialSchema for crate::Zone {
    fn schema() -> RefOr<Schema> {
        TimeZone::schema()
    }
}

impl utoipa::ToSchema for crate::Zone {
    fn name() -> std::borrow::Cow<'static, str> {
        "TimeZone".into()
    }
}
