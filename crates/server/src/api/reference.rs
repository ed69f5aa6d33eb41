//! `GET /api/v1/reference`: the API reference, rendered here from the OpenAPI document (no
//! script, nothing from elsewhere): every operation with its parameters, body and answers,
//! and every schema with its fields.

use askama::Template;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use std::sync::OnceLock;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::{RefOr, Required};
use utoipa::OpenApi;

/// Text with `code` marked as in the document's Markdown: plain and code pieces in turn.
struct Prose(Vec<(bool, String)>);

impl Prose {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Prose {
    fn from(text: &str) -> Self {
        Prose(
            text.split('`')
                .enumerate()
                .filter(|(_, piece)| !piece.is_empty())
                .map(|(i, piece)| (i % 2 == 1, piece.to_owned()))
                .collect(),
        )
    }
}

impl From<String> for Prose {
    fn from(text: String) -> Self {
        Prose::from(text.as_str())
    }
}

#[derive(Template)]
#[template(path = "api_reference.html")]
struct ReferencePage {
    title: String,
    version: String,
    description: Prose,
    tags: Vec<TagView>,
    schemas: Vec<SchemaView>,
}

struct TagView {
    name: String,
    description: Prose,
    ops: Vec<OpView>,
}

struct OpView {
    anchor: String,
    method: &'static str,
    path: String,
    summary: Prose,
    description: Prose,
    public: bool,
    params: Vec<Field>,
    body: Option<Body>,
    responses: Vec<Answer>,
}

struct Body {
    content_types: String,
    kind: Kind,
    description: Prose,
}

struct Answer {
    status: String,
    description: Prose,
    content_type: String,
    kind: Option<Kind>,
}

/// A type: its words, and the schema it names, if any (a link).
struct Kind {
    text: String,
    link: Option<String>,
}

struct Field {
    name: String,
    place: &'static str,
    kind: Kind,
    required: bool,
    description: Prose,
    example: String,
}

struct SchemaView {
    name: String,
    description: Prose,
    fields: Vec<Field>,
    /// The JSON Schema itself, for what is not an object with fields (enums, unions).
    raw: String,
    example: String,
}

/// The type of `s` in words, with the schema it refers to.
fn kind(s: &RefOr<Schema>) -> Kind {
    match s {
        RefOr::Ref(r) => {
            let name = r
                .ref_location
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            Kind {
                link: Some(format!("#schema-{name}")),
                text: name,
            }
        }
        RefOr::T(Schema::Array(a)) => {
            let inner = match &a.items {
                utoipa::openapi::schema::ArrayItems::RefOrSchema(s) => kind(s),
                utoipa::openapi::schema::ArrayItems::False => Kind {
                    text: "nothing".into(),
                    link: None,
                },
            };
            Kind {
                text: format!("array of {}", inner.text),
                link: inner.link,
            }
        }
        RefOr::T(Schema::Object(o)) => {
            let base = match &o.schema_type {
                SchemaType::Type(t) => type_word(t).to_owned(),
                SchemaType::Array(ts) => ts.iter().map(type_word).collect::<Vec<_>>().join(" or "),
                SchemaType::AnyValue => "any".to_owned(),
            };
            let base = match &o.format {
                Some(f) => format!(
                    "{base} ({})",
                    serde_json::to_value(f)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                ),
                None => base,
            };
            let base = match &o.enum_values {
                Some(v) if !v.is_empty() => format!(
                    "{base}: {}",
                    v.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => base,
            };
            Kind {
                text: base,
                link: None,
            }
        }
        RefOr::T(Schema::OneOf(o)) => union("one of", &o.items),
        RefOr::T(Schema::AllOf(o)) => union("all of", &o.items),
        RefOr::T(Schema::AnyOf(o)) => union("any of", &o.items),
        RefOr::T(_) => Kind {
            text: "any".into(),
            link: None,
        },
    }
}

/// `one of A, B or null`: the parts' words; the link of the first part that has one.
fn union(words: &str, items: &[RefOr<Schema>]) -> Kind {
    let parts: Vec<Kind> = items.iter().map(kind).collect();
    let link = parts.iter().find_map(|k| k.link.clone());
    let texts: Vec<String> = parts.into_iter().map(|k| k.text).collect();
    match texts.as_slice() {
        [one, null] if null == "null" => Kind {
            text: format!("{one} or null"),
            link,
        },
        _ => Kind {
            text: format!("{words} {}", texts.join(", ")),
            link,
        },
    }
}

fn type_word(t: &Type) -> &'static str {
    match t {
        Type::Object => "object",
        Type::String => "string",
        Type::Integer => "integer",
        Type::Number => "number",
        Type::Boolean => "boolean",
        Type::Array => "array",
        Type::Null => "null",
    }
}

fn example_text(v: Option<&serde_json::Value>) -> String {
    v.map(|e| serde_json::to_string_pretty(e).unwrap_or_default())
        .unwrap_or_default()
}

fn op_view(method: &'static str, path: &str, op: &Operation, public: bool) -> OpView {
    let params = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p),
            RefOr::Ref(_) => None,
        })
        .map(|p| Field {
            name: p.name.clone(),
            place: match p.parameter_in {
                ParameterIn::Path => "path",
                ParameterIn::Query => "query",
                ParameterIn::Header => "header",
                ParameterIn::Cookie => "cookie",
                ParameterIn::QueryString => "query string",
            },
            kind: p.schema.as_ref().map_or(
                Kind {
                    text: "string".into(),
                    link: None,
                },
                kind,
            ),
            required: matches!(p.required, Required::True),
            description: p.description.as_deref().unwrap_or_default().into(),
            // Not a public field: read back from the document as written.
            example: example_text(
                serde_json::to_value(p)
                    .ok()
                    .and_then(|v| v.get("example").cloned())
                    .as_ref(),
            ),
        })
        .collect();
    let body = op.request_body.as_ref().and_then(|b| {
        let RefOr::T(b) = b else { return None };
        let (_, first) = b.content.iter().next()?;
        let RefOr::T(first) = first else { return None };
        Some(Body {
            content_types: b.content.keys().cloned().collect::<Vec<_>>().join(", "),
            kind: first.schema.as_ref().map_or(
                Kind {
                    text: "any".into(),
                    link: None,
                },
                kind,
            ),
            description: b.description.as_deref().unwrap_or_default().into(),
        })
    });
    let responses = op
        .responses
        .responses
        .iter()
        .map(|(status, r)| {
            let (description, content_type, k) = match r {
                RefOr::T(r) => {
                    let first = r.content.iter().next();
                    (
                        r.description.clone(),
                        first.map(|(t, _)| t.clone()).unwrap_or_default(),
                        first.and_then(|(_, c)| match c {
                            RefOr::T(c) => c.schema.as_ref().map(kind),
                            RefOr::Ref(_) => None,
                        }),
                    )
                }
                RefOr::Ref(x) => (x.ref_location.clone(), String::new(), None),
            };
            Answer {
                status: status.clone(),
                description: description.into(),
                content_type,
                kind: k,
            }
        })
        .collect();
    OpView {
        anchor: format!("{method}-{path}")
            .replace(['/', '{', '}', '.'], "-")
            .to_lowercase(),
        method,
        path: path.to_owned(),
        summary: op.summary.as_deref().unwrap_or_default().into(),
        description: op.description.as_deref().unwrap_or_default().into(),
        public,
        params,
        body,
        responses,
    }
}

fn schema_view(name: &str, s: &RefOr<Schema>) -> SchemaView {
    let raw = serde_json::to_string_pretty(s).unwrap_or_default();
    match s {
        RefOr::T(Schema::Object(o)) if !o.properties.is_empty() => SchemaView {
            name: name.to_owned(),
            description: o.description.as_deref().unwrap_or_default().into(),
            fields: o
                .properties
                .iter()
                .map(|(n, p)| {
                    let (description, example) = match p {
                        RefOr::T(Schema::Object(x)) => (
                            x.description.clone().unwrap_or_default(),
                            example_text(x.examples.first()),
                        ),
                        _ => (String::new(), String::new()),
                    };
                    Field {
                        name: n.clone(),
                        place: "",
                        kind: kind(p),
                        required: o.required.contains(n),
                        description: description.into(),
                        example,
                    }
                })
                .collect(),
            raw: String::new(),
            example: example_text(o.examples.first()),
        },
        RefOr::T(Schema::Object(o)) => SchemaView {
            name: name.to_owned(),
            description: o.description.as_deref().unwrap_or_default().into(),
            fields: vec![],
            raw,
            example: String::new(),
        },
        _ => SchemaView {
            name: name.to_owned(),
            description: "".into(),
            fields: vec![],
            raw,
            example: String::new(),
        },
    }
}

fn render() -> String {
    let doc = super::doc::ApiDoc::openapi();
    let mut tags: Vec<TagView> = doc
        .tags
        .iter()
        .flatten()
        .map(|t| TagView {
            name: t.name.clone(),
            description: t.description.as_deref().unwrap_or_default().into(),
            ops: vec![],
        })
        .collect();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            // `security: [{}]`: no requirement at all.
            let open = utoipa::openapi::security::SecurityRequirement::default();
            let public = op
                .security
                .as_ref()
                .is_some_and(|s| s.iter().all(|r| *r == open));
            let tag = op.tags.iter().flatten().next().cloned().unwrap_or_default();
            let view = op_view(method, path, op, public);
            match tags.iter_mut().find(|t| t.name == tag) {
                Some(t) => t.ops.push(view),
                None => tags.push(TagView {
                    name: tag,
                    description: "".into(),
                    ops: vec![view],
                }),
            }
        }
    }
    let schemas = doc
        .components
        .as_ref()
        .map(|c| c.schemas.iter().map(|(n, s)| schema_view(n, s)).collect())
        .unwrap_or_default();
    ReferencePage {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.as_deref().unwrap_or_default().into(),
        tags,
        schemas,
    }
    .render()
    .expect("the reference renders")
}

/// `GET /api/v1/reference`.
pub async fn page() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let mut resp = Html(PAGE.get_or_init(render).as_str()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    resp
}
