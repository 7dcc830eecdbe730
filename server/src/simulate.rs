//! `callsnare simulate missed-call`: plays the callbacks Twilio sends for a call nobody
//! answers (inbound → dial-complete no-answer → status completed, then optionally the
//! caller's reply), signed exactly as Twilio signs them, against a running server.

use std::time::Duration;

use app::domain::E164Phone;
use secrecy::ExposeSecret;

use crate::{config::Settings, webhooks::twilio::signature};

pub struct MissedCall {
    pub to: E164Phone,
    pub from: E164Phone,
    pub reply: Option<String>,
    /// Where to send the requests; defaults to `http://CALLSNARE_ADDR`.
    pub server: Option<String>,
}

fn sid(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::now_v7().simple())
}

pub async fn missed_call(settings: &Settings, sim: MissedCall) -> Result<(), String> {
    let server = sim
        .server
        .unwrap_or_else(|| format!("http://{}", settings.addr))
        .trim_end_matches('/')
        .to_owned();
    let public_base = settings.public_base();
    let token = settings
        .twilio
        .auth_token
        .as_ref()
        .map(|t| t.expose_secret().to_owned());
    let account = settings
        .twilio
        .account_sid
        .clone()
        .unwrap_or_else(|| "AC00000000000000000000000000000000".into());
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let call_sid = sid("CA");
    let (to, from) = (sim.to.as_str(), sim.from.as_str());
    let common = |extra: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = [
            ("AccountSid", account.as_str()),
            ("ApiVersion", "2010-04-01"),
            ("CallSid", call_sid.as_str()),
            ("Called", to),
            ("Caller", from),
            ("Direction", "inbound"),
            ("From", from),
            ("To", to),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        p.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        p
    };
    let mut steps = vec![
        ("/api/twilio/voice/inbound", common(&[("CallStatus", "ringing")])),
        (
            "/api/twilio/voice/dial-complete",
            common(&[
                ("CallStatus", "in-progress"),
                ("DialCallStatus", "no-answer"),
                ("DialCallDuration", "17"),
            ]),
        ),
        (
            "/api/twilio/voice/status",
            common(&[
                ("CallStatus", "completed"),
                ("SequenceNumber", "3"),
                ("CallDuration", "21"),
            ]),
        ),
    ];
    if let Some(body) = &sim.reply {
        let msg_sid = sid("SM");
        steps.push((
            "/api/twilio/sms/inbound",
            [
                ("AccountSid", account.as_str()),
                ("Body", body.as_str()),
                ("From", from),
                ("MessageSid", msg_sid.as_str()),
                ("NumMedia", "0"),
                ("To", to),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ));
    }
    for (path, params) in steps {
        let mut req = http
            .post(format!("{server}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&params));
        if let Some(token) = &token {
            req = req.header(
                "x-twilio-signature",
                signature::sign(token.as_bytes(), &format!("{public_base}{path}"), &params),
            );
        }
        let resp = req.send().await.map_err(|e| format!("{path}: {}", e.without_url()))?;
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        println!("{path} -> {status}");
        if !status.is_success() {
            return Err(format!("{path} answered {status}: {body}"));
        }
        println!("  {body}");
    }
    println!("simulated missed call {call_sid} from {from} to {to}");
    Ok(())
}

fn form_body(params: &[(String, String)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    ser.finish()
}
