//! The thread pool deciding runs on: one per process.
//!
//! rayon's global pool does not survive `fork`: the child inherits the pool's state but not its
//! threads, so the first parallel call in a child of a process that had used it waits forever.
//! `multiprocessing` (fork is the default on Linux before Python 3.14), gunicorn's `--preload`
//! and Celery's prefork workers all fork. So the pool is created lazily and tagged with the
//! process id; a process that finds another process's pool (it is a forked child) builds its
//! own and leaks the inherited one (its threads do not exist here; dropping it could wait on
//! them).

use std::sync::{Arc, Mutex};

use rayon::{ThreadPool, ThreadPoolBuilder};

/// The pool and the process it was built in.
static POOL: Mutex<Option<(u32, Arc<ThreadPool>)>> = Mutex::new(None);

/// Run `work` on this process's pool (the caller's thread when no pool can be built, which
/// only makes the work sequential).
pub(crate) fn run<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    match current() {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

fn current() -> Option<Arc<ThreadPool>> {
    let pid = std::process::id();
    let mut slot = POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match slot.take() {
        Some((owner, pool)) if owner == pid => {
            *slot = Some((owner, Arc::clone(&pool)));
            return Some(pool);
        }
        // A forked child: the parent's pool has no threads here.
        Some((_, inherited)) => std::mem::forget(inherited),
        None => {}
    }
    let pool = ThreadPoolBuilder::new()
        .thread_name(|i| format!("underwrite-{i}"))
        .build()
        .ok()
        .map(Arc::new)?;
    *slot = Some((pid, Arc::clone(&pool)));
    Some(pool)
}
