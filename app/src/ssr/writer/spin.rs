//! A one-future executor for the writer thread that spins briefly before parking.
//!
//! SQLite's thread answers most statements within a few microseconds; parking and being
//! woken again costs more than that on a VM, and the writer pays it ~10 times per webhook.
//! Spinning for up to [`SPIN`] covers those answers; an idle writer still parks, so it burns
//! no CPU between bursts.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    task::{Context, Poll, Wake, Waker},
    thread::Thread,
    time::{Duration, Instant},
};

/// Measured on the 2-core machine: 50 µs beat 200 µs and 1 ms (long spins steal the core
/// from request handling) and not spinning at all (every answer paid a park/unpark).
pub const SPIN: Duration = Duration::from_micros(50);

struct Signal {
    woken: AtomicBool,
    thread: Thread,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Drives `fut` to completion on the current thread, spinning up to `spin` before parking.
pub fn block_on<F: Future>(fut: F, spin: Duration) -> F::Output {
    let signal = Arc::new(Signal {
        woken: AtomicBool::new(false),
        thread: std::thread::current(),
    });
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        let started = Instant::now();
        // `park` may return spuriously, and an `unpark` before it is remembered, so the flag
        // decides when to poll again.
        while !signal.woken.swap(false, Ordering::Acquire) {
            if started.elapsed() < spin {
                std::hint::spin_loop();
            } else {
                std::thread::park();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_a_future_woken_from_another_thread() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(7).unwrap();
        });
        assert_eq!(block_on(async { rx.await.unwrap() }, SPIN), 7);
    }
}
