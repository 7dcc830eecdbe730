//! The audit viewer's CSV export, one line at a time (RFC 4180: comma-separated, CRLF line
//! ends, a field quoted when it holds a quote, comma or line break, quotes doubled).
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
//! return) as a formula, and audit records carry text others typed (names, emails,
//! settings): such a cell gets a leading `'` so it opens as the text it is (OWASP's CSV
//! injection advice).

use crate::{models::AuditEntryView, ssr::audit::view::utc_time};

/// The header line.
pub const HEADER: &str = "time,time_utc,actor_kind,actor_id,who,action,what,target_kind,target_id,on_what,\
                          request_id,ip,changes,record_id\r\n";

/// One record as a CSV line. `actor_id` is not in the view (it shows names), so it comes
/// separately.
pub fn line(e: &AuditEntryView, actor_id: Option<&str>) -> String {
    let changes = e
        .changes
        .iter()
        .map(|c| format!("{}: {} → {}", c.field, c.before, c.after))
        .collect::<Vec<_>>()
        .join("; ");
    let utc = utc_time(e.at);
    let cells: [&str; 14] = [
        &e.at_label,
        &utc,
        &e.actor_kind,
        actor_id.unwrap_or_default(),
        &e.who,
        &e.action,
        &e.what,
        e.target_kind.as_deref().unwrap_or_default(),
        e.target_id.as_deref().unwrap_or_default(),
        &e.on_what,
        e.request_id.as_deref().unwrap_or_default(),
        e.ip.as_deref().unwrap_or_default(),
        &changes,
        &e.id,
    ];
    let mut out = String::with_capacity(256);
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(&mut out, cell);
    }
    out.push_str("\r\n");
    out
}

/// Appends one cell, neutralised and escaped.
pub fn push_cell(out: &mut String, cell: &str) {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = cell.contains([',', '"', '\n', '\r']);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for ch in cell.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    if quoted {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s: &str) -> String {
        let mut out = String::new();
        push_cell(&mut out, s);
        out
    }

    #[test]
    fn cells_are_escaped_as_rfc_4180_says() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell(""), "");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("cr\r\nlf"), "\"cr\r\nlf\"");
    }

    #[test]
    fn formulas_open_as_text() {
        assert_eq!(
            cell("=HYPERLINK(\"http://evil.test\")"),
            "\"'=HYPERLINK(\"\"http://evil.test\"\")\""
        );
        assert_eq!(cell("+1 415"), "'+1 415");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("a=b"), "a=b");
    }

    #[test]
    fn a_line_has_every_column_of_the_header() {
        let e = AuditEntryView {
            id: "aud_1".into(),
            at: 0,
            at_label: "1969-12-31 18:00:00 CST".into(),
            actor_kind: "user".into(),
            who: "=cmd|' /C calc'!A0".into(),
            action: "settings.changed".into(),
            what: "Settings changed".into(),
            target_kind: Some("org".into()),
            target_id: Some("org_1".into()),
            on_what: "Routing settings".into(),
            on_what_href: None,
            request_id: None,
            ip: Some("203.0.113.9".into()),
            changes: vec![crate::models::AuditChangeView {
                field: "Cooldown".into(),
                before: "30".into(),
                after: "45".into(),
            }],
        };
        let l = line(&e, Some("usr_1"));
        assert!(l.ends_with("\r\n"));
        assert_eq!(
            l,
            "1969-12-31 18:00:00 CST,1970-01-01T00:00:00.000Z,user,usr_1,'=cmd|' /C calc'!A0,settings.changed,\
             Settings changed,org,org_1,Routing settings,,203.0.113.9,Cooldown: 30 → 45,aud_1\r\n"
        );
        assert_eq!(HEADER.split(',').count(), l.split(',').count());
    }
}
