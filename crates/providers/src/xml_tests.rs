//! Tests of `xml`.

use super::*;

#[test]
fn hostile_text_and_attributes_cannot_inject_markup() {
    let mut w = XmlWriter::new();
    w.open("Response", &[]);
    w.leaf(
        "Say",
        &[("voice", "x\" injected=\"1")],
        Some("</Say><Dial>+1900</Dial><Say> & 'quotes' \u{0}"),
    );
    w.close("Response");
    let doc = w.finish();
    let parsed = roxmltree::Document::parse(&doc).expect("well-formed");
    let root = parsed.root_element();
    let kids: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(kids.len(), 1, "{doc}");
    assert_eq!(kids[0].attributes().count(), 1);
    assert_eq!(kids[0].attribute("voice"), Some("x\" injected=\"1"));
    assert_eq!(
        kids[0].text(),
        Some("</Say><Dial>+1900</Dial><Say> & 'quotes' ")
    );
}
