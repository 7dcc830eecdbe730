//! Where the writer's threads run: the writer and sqlx's thread for its connection share one
//! core, under `SCHED_BATCH`.
//!
//! Every statement is a hand-off between those two threads. On different cores each hand-off
//! is a cross-core wake-up (slow on a VM) or a spin that burns a whole core; on one core it is
//! a context switch, and the other cores are left to request handling. `SCHED_BATCH` stops a
//! wake-up from preempting the thread that sent it: without it, the woken writer preempted
//! sqlx's thread while that still held the result channel's lock, and spun on it.
//! Measured on the 2-core machine (webhook bench, max throughput): spinning on separate cores
//! 8.5–9.9k callbacks/s; one core 10.3–10.8k; one core under `SCHED_BATCH` 12.2–14.8k.

#[derive(Debug, Clone, Copy)]
pub struct Placement {
    pub pinned: bool,
    pub batch: bool,
}

/// Applies the placement to the calling thread; threads it creates afterwards inherit both.
/// Each part that cannot be applied (one core, not Linux, refused) is skipped.
pub fn apply() -> Placement {
    Placement {
        pinned: pin_to_last_core(),
        batch: batch_policy(),
    }
}

fn pin_to_last_core() -> bool {
    let Some(cores) = core_affinity::get_core_ids() else {
        return false;
    };
    if cores.len() < 2 {
        return false;
    }
    cores.last().is_some_and(|core| core_affinity::set_for_current(*core))
}

#[cfg(target_os = "linux")]
fn batch_policy() -> bool {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: sched_setscheduler on the calling thread (pid 0) with an initialised parameter
    // that outlives the call; SCHED_BATCH takes static priority 0 and needs no privileges.
    unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn batch_policy() -> bool {
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_placed_thread_runs_on_one_core_under_sched_batch() {
        let placed = std::thread::spawn(|| {
            let p = super::apply();
            #[cfg(target_os = "linux")]
            // SAFETY: queries the calling thread's policy.
            let policy = unsafe { libc::sched_getscheduler(0) };
            #[cfg(target_os = "linux")]
            assert!(!p.batch || policy == libc::SCHED_BATCH);
            p
        })
        .join()
        .unwrap();
        if core_affinity::get_core_ids().is_some_and(|c| c.len() >= 2) {
            assert!(placed.pinned);
        }
        #[cfg(target_os = "linux")]
        assert!(placed.batch);
    }
}
