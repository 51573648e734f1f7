//! The ordered hand-off of [`super::check_each_then`]: workers finish
//! files (or pieces of them) in any order; the calling thread takes them
//! back in input order, waking in batches.

use super::PIECES_WAITING;

/// The most results [`super::check_each_then`]'s calling thread waits for before
/// it wakes to hand them on (when more than four times as many are in
/// flight): waking once per file costs a sleep and a wake-up per file,
/// about 4% of a run on one worker.
const HANDOFF_BATCH: usize = 16;

/// Finished pieces on their way from the workers back to the calling
/// thread of [`super::check_each_then`], which hands them on in input order.
pub(super) struct Handoff<T> {
    state: std::sync::Mutex<HandoffState<T>>,
    wake: std::sync::Condvar,
    /// Workers waiting for their pieces to be taken ([`PIECES_WAITING`]).
    room: std::sync::Condvar,
}

/// A piece's place: its input's position, and its number in the input.
type Key = (usize, u32);

pub(super) struct HandoffState<T> {
    /// Results by place, not yet taken, each with whether it is its
    /// input's last.
    done: std::collections::BTreeMap<Key, (std::thread::Result<T>, bool)>,
    /// The place handed on next.
    next: Key,
    /// How many results from `next` on are done, without a gap, and the
    /// place after them.
    run: usize,
    run_end: Key,
    /// Inputs in flight when the calling thread last came to take.
    in_flight: usize,
    /// The calling thread is waiting for [`HandoffState::worth_taking`].
    sleeping: bool,
    /// Workers waiting for room.
    waiting: usize,
}

impl<T> Default for Handoff<T> {
    fn default() -> Self {
        Handoff {
            state: std::sync::Mutex::new(HandoffState {
                done: Default::default(),
                next: (0, 0),
                run: 0,
                run_end: (0, 0),
                in_flight: 0,
                sleeping: false,
                waiting: 0,
            }),
            wake: std::sync::Condvar::new(),
            room: std::sync::Condvar::new(),
        }
    }
}

impl<T> HandoffState<T> {
    /// Whether the run of results at the head of the line is long enough to
    /// take: a quarter of those in flight, at most [`HANDOFF_BATCH`], so
    /// that a few big files in flight are taken one at a time and the next
    /// is started as soon as there is room; any run at all when a worker
    /// waits for room.
    fn worth_taking(&self) -> bool {
        self.run > 0
            && (self.waiting > 0 || self.run >= (self.in_flight / 4).clamp(1, HANDOFF_BATCH))
    }

    /// How many pieces of input `i` are done and not yet taken.
    fn waiting_pieces(&self, i: usize) -> usize {
        self.done.range((i, 0)..(i + 1, 0)).count()
    }
}

impl<T> Handoff<T> {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, HandoffState<T>> {
        // Nothing panics while holding the lock; a poisoned one is as good.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A worker's result for piece `piece` of input `i` (`last` when it is
    /// the input's last); the calling thread is woken only when there is
    /// enough to take. When `may_wait`, and the input is not the next to
    /// be handed on, wait first while [`PIECES_WAITING`] of its pieces
    /// wait.
    pub(super) fn finish(
        &self,
        i: usize,
        piece: u32,
        last: bool,
        result: std::thread::Result<T>,
        may_wait: bool,
    ) {
        let mut s = self.lock();
        while may_wait && s.next.0 != i && s.waiting_pieces(i) >= PIECES_WAITING {
            s.waiting += 1;
            if s.sleeping && s.worth_taking() {
                s.sleeping = false;
                self.wake.notify_one();
            }
            s = self
                .room
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            s.waiting -= 1;
        }
        s.done.insert((i, piece), (result, last));
        while let Some(&(_, last)) = s.done.get(&s.run_end) {
            let (at, n) = s.run_end;
            s.run_end = if last { (at + 1, 0) } else { (at, n + 1) };
            s.run += 1;
        }
        if s.sleeping && s.worth_taking() {
            s.sleeping = false;
            drop(s);
            self.wake.notify_one();
        }
    }

    /// On the calling thread, with `in_flight` inputs started and not yet
    /// handed on: wait until a run of results is worth taking, and move it
    /// to `batch` in order, each with whether it is its input's last.
    pub(super) fn take(&self, in_flight: usize, batch: &mut Vec<(std::thread::Result<T>, bool)>) {
        let mut s = self.lock();
        s.in_flight = in_flight;
        while !s.worth_taking() {
            s.sleeping = true;
            s = self
                .wake
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        while s.next != s.run_end {
            let next = s.next;
            let Some((result, last)) = s.done.remove(&next) else {
                break;
            };
            let (at, n) = s.next;
            s.next = if last { (at + 1, 0) } else { (at, n + 1) };
            batch.push((result, last));
        }
        s.run = 0;
        if s.waiting > 0 {
            drop(s);
            self.room.notify_all();
        }
    }
}
