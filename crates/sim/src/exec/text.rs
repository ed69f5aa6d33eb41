//! A text to a line's number, as the carrier's messaging webhook sends it, and the texts its
//! reply document sends.

use super::{sid, uuid, Run};
use crate::{CallSpec, Carrier, SentText, TextReply};
use anyhow::{bail, Context};

/// Sends one text from `spec.from` to `spec.to` at `url` (the line's messaging URL), signed
/// as the carrier signs, and reads the reply document: every `<Message>` it sends.
pub async fn send(
    http: &reqwest::Client,
    spec: &CallSpec,
    url: &str,
    body: &str,
    media: usize,
    message_id: Option<String>,
) -> anyhow::Result<TextReply> {
    let plivo = spec.carrier == Carrier::Plivo;
    let id = message_id.unwrap_or_else(|| if plivo { uuid() } else { sid("SM") });
    let mut run = Run::new(http, spec, id.clone());
    let p = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let digits = |n: &str| n.trim_start_matches('+').to_owned();
    let params: Vec<(String, String)> = if plivo {
        let mut v = vec![
            p("MessageUUID", &id),
            p("From", &digits(&spec.from)),
            p("To", &digits(&spec.to)),
            p("Type", if media > 0 { "mms" } else { "sms" }),
            p("Units", "1"),
            p("TotalRate", "0.00000"),
            p("TotalAmount", "0.00000"),
            p("MessageIntent", ""),
            p("PowerpackUUID", ""),
        ];
        if media > 0 {
            // An MMS carries its text in Body and its media 1-based.
            v.push(p("Body", body));
            v.push(p("MediaCount", &media.to_string()));
            v.extend((1..=media).map(|i| p(&format!("Media{i}"), "https://media.plivo.com/x.jpg")));
        } else {
            v.push(p("Text", body));
        }
        v
    } else {
        let mut v = vec![
            p("ToCountry", "US"),
            p("ToState", ""),
            p("SmsMessageSid", &id),
            p("NumMedia", &media.to_string()),
            p("ToCity", ""),
            p("FromZip", ""),
            p("SmsSid", &id),
            p("FromState", ""),
            p("SmsStatus", "received"),
            p("FromCity", ""),
            p("Body", body),
            p("FromCountry", &spec.from_country),
            p("To", &spec.to),
            p("ToZip", ""),
            p("NumSegments", "1"),
            p("MessageSid", &id),
            p("AccountSid", &spec.account_sid),
            p("From", &spec.from),
            p("ApiVersion", "2010-04-01"),
        ];
        // Media are numbered from 0 at Twilio.
        for i in 0..media {
            v.push(p(&format!("MediaContentType{i}"), "image/jpeg"));
            v.push(p(
                &format!("MediaUrl{i}"),
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
            ));
        }
        v
    };
    let f = run.post(url, params, "incoming text").await?;
    let mut reply = TextReply {
        message_id: id,
        status: f.status,
        body: f.body.clone(),
        sent: vec![],
    };
    if !(200..300).contains(&f.status) || f.body.trim().is_empty() {
        return Ok(reply);
    }
    let doc = roxmltree::Document::parse(&f.body).context("the reply is not XML")?;
    let root = doc.root_element();
    if !root.has_tag_name("Response") {
        bail!(
            "the reply's root is <{}>, not <Response>",
            root.tag_name().name()
        );
    }
    for m in root.children().filter(|n| n.is_element()) {
        if !m.has_tag_name("Message") {
            bail!(
                "<{}> is not allowed in a messaging reply",
                m.tag_name().name()
            );
        }
        let text = m.text().unwrap_or("").to_owned();
        if plivo {
            let src = m.attribute("src").context("a Plivo <Message> needs src")?;
            let dst = m.attribute("dst").context("a Plivo <Message> needs dst")?;
            if m.attribute("type").is_some_and(|t| t != "sms") {
                bail!("Plivo <Message type> must be sms here");
            }
            for to in dst.split('<') {
                reply.sent.push(SentText {
                    from: format!("+{}", digits(src)),
                    to: format!("+{}", digits(to)),
                    body: text.clone(),
                });
            }
        } else {
            // Without `to` Twilio replies to the sender; without `from`, from the number
            // that received the text.
            reply.sent.push(SentText {
                from: m.attribute("from").unwrap_or(&spec.to).to_owned(),
                to: m.attribute("to").unwrap_or(&spec.from).to_owned(),
                body: text,
            });
        }
    }
    Ok(reply)
}
