//! TwiML answers. Every interpolated value is XML-escaped.

use app::ssr::services::calls::VoiceAnswer;

pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";
const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

pub fn empty() -> String {
    format!("{HEAD}<Response/>")
}

pub fn message(body: &str) -> String {
    format!("{HEAD}<Response><Message>{}</Message></Response>", escape(body))
}

/// `public_base` is the configured external URL; the `<Dial action>` must be signed-over
/// exactly as Twilio will call it.
pub fn voice(answer: &VoiceAnswer, public_base: &str) -> String {
    match answer {
        VoiceAnswer::Forward { forward_to, ring_timeout_secs } => {
            let numbers: String = forward_to.iter().map(|n| format!("<Number>{}</Number>", escape(n))).collect();
            format!(
                "{HEAD}<Response><Dial action=\"{}/api/twilio/voice/dial-complete\" method=\"POST\" timeout=\"{}\" answerOnBridge=\"true\">{numbers}</Dial></Response>",
                escape(public_base),
                ring_timeout_secs
            )
        }
        VoiceAnswer::AfterHours { greeting } => {
            format!("{HEAD}<Response><Say>{}</Say><Hangup/></Response>", escape(greeting))
        }
        VoiceAnswer::Missed => format!(
            "{HEAD}<Response><Say>Sorry we couldn't get to the phone. We'll text you right back.</Say><Hangup/></Response>"
        ),
        VoiceAnswer::NotInService => {
            format!("{HEAD}<Response><Say>Sorry, this number is not in service. Goodbye.</Say><Hangup/></Response>")
        }
        VoiceAnswer::Hangup => format!("{HEAD}<Response><Hangup/></Response>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_dials_every_number_with_the_action_url() {
        let xml = voice(
            &VoiceAnswer::Forward {
                forward_to: vec!["+14155550101".into(), "+14155550102".into()],
                ring_timeout_secs: 12,
            },
            "https://calls.example.com",
        );
        assert!(xml.contains(r#"<Dial action="https://calls.example.com/api/twilio/voice/dial-complete" method="POST" timeout="12" answerOnBridge="true">"#));
        assert!(xml.contains("<Number>+14155550101</Number><Number>+14155550102</Number>"));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            message("<b>Tom & Jerry's</b>"),
            format!("{HEAD}<Response><Message>&lt;b&gt;Tom &amp; Jerry&apos;s&lt;/b&gt;</Message></Response>")
        );
        let xml = voice(
            &VoiceAnswer::AfterHours {
                greeting: "A&B \"HVAC\"".into(),
            },
            "x",
        );
        assert!(xml.contains("<Say>A&amp;B &quot;HVAC&quot;</Say>"));
    }
}
