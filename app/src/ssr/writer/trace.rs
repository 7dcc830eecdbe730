//! Statement trace for the SQLite floor benchmark (feature `sql-trace`, never in a normal
//! build). With `CALLSNARE_SQL_TRACE=<file>` set, the writer copies the database as it is at
//! start-up to `<file>.base.db` and then appends every statement it runs, with its bound
//! values expanded, to `<file>`. `server/benches/sqlite_floor.rs` replays that log against
//! the copy with nothing but SQLite in the way, which shows how much of the writer's time is
//! SQLite's own work.
//!
//! The log holds callers' phone numbers and message bodies: it is for a benchmark's
//! synthetic traffic, not for production data.

use std::{
    ffi::{c_void, CStr},
    fs::File,
    io::{BufWriter, Write},
    sync::Mutex,
};

use libsqlite3_sys as ffi;
use sqlx::{Executor, SqliteConnection};

static LOG: Mutex<Option<BufWriter<File>>> = Mutex::new(None);

pub async fn install_from_env(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let Ok(path) = std::env::var("CALLSNARE_SQL_TRACE") else {
        return Ok(());
    };
    let base = format!("{path}.base.db");
    let _ = std::fs::remove_file(&base);
    conn.execute(crate::ssr::db::query("VACUUM INTO $1").bind(&base))
        .await?;
    *LOG.lock().unwrap_or_else(|e| e.into_inner()) = Some(BufWriter::new(File::create(&path)?));
    let mut handle = conn.lock_handle().await?;
    // SAFETY: the handle is this open connection's, held locked for the call; the callback
    // is a plain function with no context pointer, valid for the life of the process.
    let rc = unsafe {
        ffi::sqlite3_trace_v2(
            handle.as_raw_handle().as_ptr(),
            ffi::SQLITE_TRACE_STMT as u32,
            Some(on_statement),
            std::ptr::null_mut(),
        )
    };
    tracing::warn!(path, rc, "tracing every writer statement (benchmark build)");
    Ok(())
}

/// Called by SQLite on the connection's own thread as each statement starts.
unsafe extern "C" fn on_statement(_kind: u32, _ctx: *mut c_void, stmt: *mut c_void, _sql: *mut c_void) -> i32 {
    // SAFETY: for SQLITE_TRACE_STMT the third argument is the prepared statement being run;
    // the expanded text is SQLite's allocation, freed here once copied.
    unsafe {
        let text = ffi::sqlite3_expanded_sql(stmt.cast());
        if text.is_null() {
            return 0;
        }
        if let Some(log) = LOG.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            let sql = CStr::from_ptr(text).to_string_lossy();
            let sql = sql.trim().trim_end_matches(';');
            // One statement per record; the replay splits on ";\n". Flushed at each commit
            // (the bench ends the server with a kill), not at each line, to keep the cost of
            // tracing off most statements.
            let _ = writeln!(log, "{sql};");
            if sql == "COMMIT" {
                let _ = log.flush();
            }
        }
        ffi::sqlite3_free(text.cast());
    }
    0
}
