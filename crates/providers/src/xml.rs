//! A tiny XML writer that escapes by construction.
//!
//! Element and attribute names are `&'static str`, so only code can choose them; every text
//! and attribute value goes through [`escape`]. No caller can build markup from user input.

/// Builds one XML document.
#[derive(Debug)]
pub struct XmlWriter {
    buf: String,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlWriter {
    /// A document with the XML declaration.
    pub fn new() -> Self {
        let mut buf = String::with_capacity(512);
        buf.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        Self { buf }
    }

    fn start(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) {
        self.buf.push('<');
        self.buf.push_str(name);
        for (k, v) in attrs {
            self.buf.push(' ');
            self.buf.push_str(k);
            self.buf.push_str("=\"");
            escape_into(&mut self.buf, v);
            self.buf.push('"');
        }
    }

    /// Opens an element.
    pub fn open(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) {
        self.start(name, attrs);
        self.buf.push('>');
    }

    /// Closes an element.
    pub fn close(&mut self, name: &'static str) {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
    }

    /// An element with escaped text content (or self-closing when `text` is `None`).
    pub fn leaf(&mut self, name: &'static str, attrs: &[(&'static str, &str)], text: Option<&str>) {
        self.start(name, attrs);
        match text {
            Some(t) => {
                self.buf.push('>');
                escape_into(&mut self.buf, t);
                self.close(name);
            }
            None => self.buf.push_str("/>"),
        }
    }

    /// The finished document.
    pub fn finish(self) -> String {
        self.buf
    }
}

/// Escapes text for use in XML content or a double- or single-quoted attribute, dropping
/// characters XML 1.0 cannot carry. What a parser reads back is the text itself.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // As character references, so they survive a parser's end-of-line and attribute
            // whitespace normalisation unchanged.
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
#[path = "xml_tests.rs"]
mod tests;
