//! The part scheduler shared by multipart uploads and copies: at most `limit` parts in flight; after
//! the first failure no part starts and those in flight finish (a resume reuses them); the first
//! error is the outcome.

use crate::prelude::*;
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::Poll;

use crate::error::{CosError, Result};

/// Runs `start(n)` for each part number of `todo`, in order, at most `limit` at once, and hands
/// each part's result to `finished` as it comes.
pub(super) async fn run_parts<T, Fut>(
    todo: Vec<u32>,
    limit: usize,
    mut start: impl FnMut(u32) -> Fut,
    mut finished: impl FnMut(T),
) -> Result<()>
where
    Fut: Future<Output = Result<T>>,
{
    let mut queue = todo.into_iter();
    // A few parts at most, polled in start order on each wake: smaller in the wasm than
    // `FuturesUnordered`, whose per-future wakers this does not need.
    let mut running: Vec<Pin<Box<Fut>>> = Vec::new();
    let mut first_error: Option<CosError> = None;
    loop {
        while first_error.is_none() && running.len() < limit {
            let Some(n) = queue.next() else { break };
            running.push(Box::pin(start(n)));
        }
        if running.is_empty() {
            break;
        }
        let outcome = poll_fn(|cx| {
            for i in 0..running.len() {
                if let Poll::Ready(r) = running[i].as_mut().poll(cx) {
                    running.remove(i);
                    return Poll::Ready(r);
                }
            }
            Poll::Pending
        })
        .await;
        match outcome {
            Ok(v) => finished(v),
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some(e);
                }
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::RefCell;

    fn run(limit: usize, failing: u32) -> (Result<()>, Vec<u32>, Vec<u32>) {
        let started = RefCell::new(Vec::new());
        let mut done = Vec::new();
        let r = futures_executor::block_on(run_parts(
            (1..=5).collect(),
            limit,
            |n| {
                started.borrow_mut().push(n);
                async move { if n == failing { Err(CosError::param("part failed")) } else { Ok(n) } }
            },
            |n| done.push(n),
        ));
        (r, started.into_inner(), done)
    }

    #[test]
    fn every_part_runs_when_none_fails() {
        let (r, started, done) = run(2, 0);
        assert!(r.is_ok());
        assert_eq!(started, vec![1, 2, 3, 4, 5]);
        assert_eq!(done.len(), 5);
    }

    #[test]
    fn no_part_starts_after_the_first_error_and_it_is_the_outcome() {
        let (r, started, done) = run(1, 2);
        assert_eq!(r.unwrap_err().message, "part failed");
        assert_eq!(started, vec![1, 2]);
        assert_eq!(done, vec![1]);
        // Parts already in flight still finish and are handed over.
        let (r, started, mut done) = run(5, 2);
        assert!(r.is_err());
        assert_eq!(started, vec![1, 2, 3, 4, 5]);
        done.sort_unstable();
        assert_eq!(done, vec![1, 3, 4, 5]);
    }
}
