//! A tracked number's routing, parsed once per callback from its stored row.

use chrono::{Datelike, TimeZone, Timelike, Utc};

use crate::ssr::db::Conn;
use crate::{
    domain::{
        business_hours::{BusinessHours, SendWindow},
        closure_dates::{ClosureDates, LocalDate},
    },
    ssr::db::tracked_numbers::NumberRouting,
};

pub struct Routing {
    pub row: NumberRouting,
    pub forward_to: Vec<String>,
    pub hours: Option<BusinessHours>,
    /// Whole days closed (holidays), whatever the weekly hours say.
    pub closures: ClosureDates,
    pub tz: chrono_tz::Tz,
    /// The operator's billing rules, which decide with the org's billing (in `row`) whether
    /// its automated texts are paused.
    pub billing_policy: crate::domain::billing::BillingPolicy,
}

/// Whether the business is open at `now_ms`; no hours set means always open.
pub fn open_at(hours: Option<&BusinessHours>, tz: chrono_tz::Tz, now_ms: i64) -> bool {
    hours.is_none_or(|h| {
        let (day, minute) = local_clock(tz, now_ms);
        h.is_open(day, minute)
    })
}

/// The instant `minutes` of open business time after `from_ms` (no hours set: always
/// open). `None` when `minutes` is not positive or the schedule is never open.
pub fn due_after_open_minutes(
    from_ms: i64,
    minutes: i64,
    hours: Option<&BusinessHours>,
    tz: chrono_tz::Tz,
) -> Option<i64> {
    let minutes = u32::try_from(minutes).ok().filter(|m| *m > 0)?;
    let Some(hours) = hours else {
        return Some(from_ms + i64::from(minutes) * 60_000);
    };
    let local = Utc.timestamp_millis_opt(from_ms).single()?.with_timezone(&tz);
    let weekday = local.weekday().num_days_from_monday() as usize;
    let minute = (local.hour() * 60 + local.minute()) as u16;
    let (ahead, at) = hours.after_open_minutes(weekday, minute, minutes)?;
    let date = local.date_naive() + chrono::Days::new(u64::from(ahead));
    let naive = date.and_hms_opt(u32::from(at / 60), u32::from(at % 60), 0)?;
    // A local time skipped by a DST change does not exist; the next real instant is used.
    let due = tz
        .from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest())?;
    Some(due.timestamp_millis())
}

/// Whether `now_ms` falls on one of the closure dates, in `tz`.
pub fn closed_on(closures: &ClosureDates, tz: chrono_tz::Tz, now_ms: i64) -> bool {
    if closures.is_empty() {
        return false;
    }
    let Some(utc) = Utc.timestamp_millis_opt(now_ms).single() else {
        return false;
    };
    let local = utc.with_timezone(&tz);
    let date = u16::try_from(local.year())
        .ok()
        .and_then(|y| LocalDate::new(y, local.month() as u8, local.day() as u8));
    date.is_some_and(|d| closures.contains(d))
}

/// Local weekday (Monday = 0) and minute of day for `now_ms` in `tz`.
pub fn local_clock(tz: chrono_tz::Tz, now_ms: i64) -> (usize, u16) {
    let utc = Utc.timestamp_millis_opt(now_ms).single().unwrap_or_else(Utc::now);
    let local = utc.with_timezone(&tz);
    (
        local.weekday().num_days_from_monday() as usize,
        (local.hour() * 60 + local.minute()) as u16,
    )
}

impl Routing {
    pub fn from_row(row: NumberRouting) -> Self {
        let forward_to = serde_json::from_str(&row.forward_to).unwrap_or_default();
        // Unparseable stored hours fail open (always forward): a missed forward loses a job.
        let hours = row
            .business_hours
            .as_deref()
            .and_then(|h| BusinessHours::parse_json(h).ok());
        // Unreadable closure dates fail open too.
        let closures = ClosureDates::parse_json(&row.closure_dates).unwrap_or_default();
        let tz = crate::domain::OrgTimezone::parse_or_utc(&row.timezone);
        Self {
            row,
            forward_to,
            hours,
            closures,
            tz,
            billing_policy: crate::domain::billing::BillingPolicy::default(),
        }
    }

    /// Whether the org's automated texts (text-back, escalation) are paused for billing at
    /// `now_ms`. Calls, leads and the inbox are never affected.
    pub fn texting_paused(&self, now_ms: i64) -> bool {
        self.row.billing.texting_paused(now_ms, self.billing_policy)
    }

    /// Until an admin sets business hours, every call is forwarded (except on a closure date).
    pub fn is_open(&self, now_ms: i64) -> bool {
        !closed_on(&self.closures, self.tz, now_ms) && open_at(self.hours.as_ref(), self.tz, now_ms)
    }

    pub fn send_window(&self) -> SendWindow {
        SendWindow {
            start_minute: self.row.send_window_start_minute.clamp(0, 1440) as u16,
            end_minute: self.row.send_window_end_minute.clamp(0, 1440) as u16,
        }
    }

    /// When a lead opened now escalates if nobody responds (`None`: escalation is off).
    pub fn escalation_due_at(&self, now_ms: i64) -> Option<i64> {
        due_after_open_minutes(now_ms, self.row.escalation_minutes, self.hours.as_ref(), self.tz)
    }

    /// `{business}` in org templates is the org's name.
    pub fn render(&self, template: &str) -> String {
        template.replace("{business}", &self.row.org_name)
    }
}

/// Tracked-number routing kept in memory for a short time. Every callback starts by
/// resolving `To`; in the single writer that lookup was one of ~9 statements per callback,
/// and routing changes rarely, so a second of staleness takes one statement in nine off the
/// writer's serial path.
/// Unknown numbers are remembered too, so a flood to an untracked number stays cheap.
/// Changes are seen within [`ROUTING_TTL`] wherever they come from (today only the CLI, a
/// separate process, edits numbers and routing); a settings page that must apply a change
/// at once calls [`RoutingCache::forget`].
pub struct RoutingCache {
    ttl: std::time::Duration,
    entries: std::sync::RwLock<std::collections::HashMap<String, CachedRouting>>,
    /// Handed to every [`Routing`] it loads. A billing change forgets the cache (the Stripe
    /// webhook's effects), so a pause or a resume applies from the next call.
    billing: crate::domain::billing::BillingPolicy,
}

pub const ROUTING_TTL: std::time::Duration = std::time::Duration::from_secs(1);
/// Bounds memory when unsigned sandbox traffic posts arbitrary `To` values.
const MAX_CACHED: usize = 10_000;

struct CachedRouting {
    loaded: std::time::Instant,
    routing: Option<std::sync::Arc<Routing>>,
}

impl Default for RoutingCache {
    fn default() -> Self {
        Self::with_ttl(ROUTING_TTL)
    }
}

impl RoutingCache {
    pub fn with_ttl(ttl: std::time::Duration) -> Self {
        Self {
            ttl,
            entries: Default::default(),
            billing: crate::domain::billing::BillingPolicy::default(),
        }
    }

    /// A cache whose routings carry the operator's billing rules.
    pub fn with_billing_policy(billing: crate::domain::billing::BillingPolicy) -> Self {
        Self {
            billing,
            ..Self::with_ttl(ROUTING_TTL)
        }
    }

    pub fn billing_policy(&self) -> crate::domain::billing::BillingPolicy {
        self.billing
    }

    /// The routing for `e164`, from memory when fresh, else read through `conn`.
    pub async fn get(&self, conn: &mut Conn, e164: &str) -> Result<Option<std::sync::Arc<Routing>>, sqlx::Error> {
        if let Some(hit) = self.fresh(e164) {
            return Ok(hit);
        }
        let routing = crate::ssr::db::tracked_numbers::find_routing(conn, e164)
            .await?
            .map(|row| {
                let mut routing = Routing::from_row(row);
                routing.billing_policy = self.billing;
                std::sync::Arc::new(routing)
            });
        let mut entries = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_CACHED {
            entries.clear();
        }
        entries.insert(
            e164.to_owned(),
            CachedRouting {
                loaded: std::time::Instant::now(),
                routing: routing.clone(),
            },
        );
        Ok(routing)
    }

    fn fresh(&self, e164: &str) -> Option<Option<std::sync::Arc<Routing>>> {
        let entries = self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(e164)
            .filter(|e| e.loaded.elapsed() < self.ttl)
            .map(|e| e.routing.clone())
    }

    /// Drops everything, after a change to numbers, org names or routing settings.
    pub fn forget(&self) {
        self.entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::{
        domain::{E164Phone, EmailAddress, OrgSlug, OrgTimezone},
        ssr::{db, services::onboarding},
    };

    const NUMBER: &str = "+14155550100";

    #[test]
    fn a_closure_date_closes_the_whole_local_day() {
        let closures = ClosureDates::parse_list("2026-12-25").unwrap();
        let tz = chrono_tz::America::Chicago;
        let local = |h| tz.with_ymd_and_hms(2026, 12, 25, h, 0, 0).unwrap().timestamp_millis();
        assert!(closed_on(&closures, tz, local(0)) && closed_on(&closures, tz, local(23)));
        // 03:00 UTC on the 25th is still the evening of the 24th in Chicago
        let utc = Utc.with_ymd_and_hms(2026, 12, 25, 3, 0, 0).unwrap().timestamp_millis();
        assert!(!closed_on(&closures, tz, utc));
        assert!(!closed_on(&ClosureDates::default(), tz, local(12)));
    }

    #[tokio::test]
    async fn cache_remembers_for_its_ttl_including_unknown_numbers_and_forgets_on_demand() {
        let dir = tempfile::tempdir().unwrap();
        let db = db::connect_and_migrate(&format!("sqlite://{}", dir.path().join("r.db").display()))
            .await
            .unwrap();
        let mut conn = db.acquire().await.unwrap();
        onboarding::create_org(
            &db,
            onboarding::NewOrg {
                name: "Acme Heating & Air".into(),
                slug: OrgSlug::parse("acme").unwrap(),
                timezone: OrgTimezone::parse("America/Chicago").unwrap(),
                owner_email: EmailAddress::parse("owner@acme.test").unwrap(),
            },
            Some(SecretString::from("a long enough password")),
        )
        .await
        .unwrap();
        let cache = RoutingCache::with_ttl(std::time::Duration::from_millis(300));
        assert!(cache.get(&mut conn, NUMBER).await.unwrap().is_none());
        onboarding::add_number(
            &db,
            onboarding::NewNumber {
                org_slug: OrgSlug::parse("acme").unwrap(),
                e164: E164Phone::parse(NUMBER).unwrap(),
                forward_to: vec![E164Phone::parse("+14155550101").unwrap()],
                label: String::new(),
                ring_timeout_secs: None,
            },
        )
        .await
        .unwrap();
        // Still the remembered "unknown" until the entry expires…
        assert!(cache.get(&mut conn, NUMBER).await.unwrap().is_none());
        tokio::time::sleep(std::time::Duration::from_millis(350)).await;
        let found = cache.get(&mut conn, NUMBER).await.unwrap().expect("routing after ttl");
        assert_eq!(found.row.org_name, "Acme Heating & Air");

        // …and a forgotten cache reads the change at once.
        crate::ssr::db::query("UPDATE orgs SET name = 'Acme HVAC'")
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(
            cache.get(&mut conn, NUMBER).await.unwrap().unwrap().row.org_name,
            "Acme Heating & Air"
        );
        cache.forget();
        assert_eq!(
            cache.get(&mut conn, NUMBER).await.unwrap().unwrap().row.org_name,
            "Acme HVAC"
        );
    }
}
