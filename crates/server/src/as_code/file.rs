//! Reading a setup file: its values, where each key is written (so an error names the file's
//! line and the key), and its secrets, read from environment variables.

use std::fmt;
use toml::{Table, Value};

/// A problem with the file, at a key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FileError {
    /// The file's line (1-based), when the key is in the file.
    pub line: Option<usize>,
    /// The key at fault, as a path: `lines[0].routing.steps[1].user`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.key.is_empty()) {
            (Some(l), false) => write!(f, "line {l}, {}: {}", self.key, self.message),
            (Some(l), true) => write!(f, "line {l}: {}", self.message),
            (None, false) => write!(f, "{}: {}", self.key, self.message),
            (None, true) => f.write_str(&self.message),
        }
    }
}

/// A parsed setup file.
#[derive(Debug)]
pub struct SetupFile {
    text: String,
    doc: toml_edit::ImDocument<String>,
    pub values: Table,
}

/// The 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// One step of a key path.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// `lines[0].routing.steps` → `lines`, 0, `routing`, `steps`. A segment that is not a plain
/// key or index ends the path (the error is then placed at what came before it).
fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some((n, after)) = rest.split_once(']') {
            match n.parse() {
                Ok(i) => out.push(Step::Index(i)),
                Err(_) => return out,
            }
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    out
}

/// A place in the parsed document.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a toml_edit::Item),
    Value(&'a toml_edit::Value),
    Table(&'a toml_edit::Table),
}

type Span = Option<std::ops::Range<usize>>;

/// The span of a table's first key (a `[[lines]]` header has no span of its own).
fn first_key(t: &toml_edit::Table) -> Span {
    let (k, _) = t.iter().next()?;
    let (key, item) = t.get_key_value(k)?;
    key.span().or_else(|| item.span())
}

/// The node one step below `node`, with the span of its key (or of itself).
fn child<'a>(node: Node<'a>, step: &Step<'_>) -> Option<(Span, Node<'a>)> {
    use toml_edit::{Item, Value as V};
    match (node, step) {
        (Node::Item(Item::Value(v)), _) => child(Node::Value(v), step),
        (Node::Item(Item::Table(t)) | Node::Table(t), Step::Key(k)) => t
            .get_key_value(k)
            .map(|(key, it)| (key.span().or_else(|| it.span()), Node::Item(it))),
        (Node::Value(V::InlineTable(t)), Step::Key(k)) => t
            .get_key_value(k)
            .map(|(key, v)| (key.span().or_else(|| v.span()), Node::Item(v))),
        (Node::Item(Item::ArrayOfTables(a)), Step::Index(i)) => a
            .get(*i)
            .map(|t| (first_key(t).or_else(|| t.span()), Node::Table(t))),
        (Node::Value(V::Array(a)), Step::Index(i)) => a.get(*i).map(|v| (v.span(), Node::Value(v))),
        _ => None,
    }
}

impl SetupFile {
    pub fn parse(text: &str) -> Result<SetupFile, FileError> {
        let syntax = |e: toml::de::Error| FileError {
            line: e.span().map(|s| line_at(text, s.start)),
            key: String::new(),
            message: e.message().trim().to_owned(),
        };
        let values: Table = toml::from_str(text).map_err(syntax)?;
        let doc = toml_edit::ImDocument::parse(text.to_owned()).map_err(|e| FileError {
            line: e.span().map(|s| line_at(text, s.start)),
            key: String::new(),
            message: e.message().trim().to_owned(),
        })?;
        Ok(SetupFile {
            text: text.to_owned(),
            doc,
            values,
        })
    }

    /// The line `path` is written on, or that of the deepest part of it that is.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let mut node = Node::Item(self.doc.as_item());
        let mut span = None;
        for step in steps(path) {
            let Some((s, next)) = child(node, &step) else {
                break;
            };
            span = s.or(span);
            node = next;
        }
        span.map(|s| line_at(&self.text, s.start))
    }

    /// An error at `path`, placed on its line.
    pub fn error(&self, path: &str, message: impl Into<String>) -> FileError {
        FileError {
            line: self.line_of(path),
            key: path.to_owned(),
            message: message.into(),
        }
    }
}

/// Replaces every secret reference (`{ env = "NAME" }`) under `values` with the variable's
/// value; a variable that is not set (or empty) is an error at the key that refers to it.
pub fn read_secrets(
    file: &SetupFile,
    values: &mut Table,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    errors: &mut Vec<FileError>,
) {
    for (key, v) in values.iter_mut() {
        secrets_in(file, key.clone(), v, env, errors);
    }
}

fn secrets_in(
    file: &SetupFile,
    path: String,
    v: &mut Value,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    errors: &mut Vec<FileError>,
) {
    match v {
        Value::Table(t) if t.len() == 1 && t.contains_key("env") => {
            let Some(Value::String(name)) = t.get("env") else {
                errors.push(file.error(&path, "env must name an environment variable"));
                return;
            };
            match env(name).filter(|s| !s.is_empty()) {
                Some(secret) => *v = Value::String(secret),
                None => {
                    let message =
                        format!("the environment variable {name} is not set (it holds a secret)");
                    errors.push(file.error(&path, message));
                }
            }
        }
        Value::Table(t) => {
            for (k, v) in t.iter_mut() {
                secrets_in(file, format!("{path}.{k}"), v, env, errors);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter_mut().enumerate() {
                secrets_in(file, format!("{path}[{i}]"), v, env, errors);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"# a setup
[[teams]]
name = "Payments"

[[lines]]
name = "Hotline"
number = "+14155550100"
routing = { steps = [{ user = "a@example.com" }, { schedule = "Primary" }] }

[lines.messages.welcome]
text = "Hello"
auth_token = { env = "TOKEN" }
"#;

    #[test]
    fn errors_are_placed_on_the_line_of_their_key() {
        let f = SetupFile::parse(FILE).unwrap();
        assert_eq!(f.line_of("teams[0].name"), Some(3));
        assert_eq!(f.line_of("lines[0]"), Some(6));
        assert_eq!(f.line_of("lines[0].number"), Some(7));
        assert_eq!(f.line_of("lines[0].routing.steps[1].schedule"), Some(8));
        assert_eq!(f.line_of("lines[0].messages.welcome.text"), Some(11));
        // A key the file lacks: the nearest one it has.
        assert_eq!(f.line_of("lines[0].provider"), Some(6));
        assert_eq!(f.line_of("lines[0].messages.welcome.voice"), Some(10));
        let e = f.error("lines[0].number", "bad");
        assert_eq!(e.to_string(), "line 7, lines[0].number: bad");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let e = SetupFile::parse("[[teams]]\nname = \"x\"\nmembers = [\n").unwrap_err();
        assert!(e.line.is_some_and(|l| l >= 3), "{e:?}");
    }

    #[test]
    fn secrets_come_from_the_environment_and_a_missing_one_is_placed() {
        let f = SetupFile::parse(FILE).unwrap();
        let mut values = f.values.clone();
        let mut errors = vec![];
        read_secrets(&f, &mut values, &|_| None, &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(12));
        assert!(errors[0].message.contains("TOKEN"), "{errors:?}");
        let mut values = f.values.clone();
        let mut errors = vec![];
        read_secrets(
            &f,
            &mut values,
            &|n| (n == "TOKEN").then(|| "s3cret".into()),
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(
            values["lines"][0]["messages"]["welcome"]["auth_token"].as_str(),
            Some("s3cret")
        );
    }
}
