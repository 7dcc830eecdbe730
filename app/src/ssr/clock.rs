//! Wall-clock instants as stored in the database: unix milliseconds, UTC.

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
