//! One Pub/Sub subscription (`PSUBSCRIBE *`) per Sentinel for the whole scenario,
//! reconnecting (every 100 ms) when its Sentinel goes away, as the libraries' subscriptions
//! do. Every message is kept with its time and Sentinel; each model reads them all and keeps
//! those of the Sentinels it listens to.

use super::Event;
use crate::drill::cluster::Cluster;
use crate::resp::Reply;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const POLL: Duration = Duration::from_millis(100);

#[derive(Default)]
pub struct Subscribers {
    events: Mutex<Vec<Event>>,
}

impl Subscribers {
    /// The messages from the `from`-th on, and the count so far.
    pub fn since(&self, from: usize) -> (Vec<Event>, usize) {
        let events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        (
            events.get(from..).unwrap_or_default().to_vec(),
            events.len(),
        )
    }

    fn push(&self, event: Event) {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event);
    }

    /// Listen to Sentinel `sentinel` until `stop`.
    pub fn listen(&self, cluster: &dyn Cluster, sentinel: usize, t0: Instant, stop: &AtomicBool) {
        while !stop.load(Ordering::SeqCst) {
            let subscribed = cluster
                .connect(sentinel, true, CONNECT_TIMEOUT)
                .and_then(|mut s| s.call(&["PSUBSCRIBE", "*"], CONNECT_TIMEOUT).map(|_| s));
            let Ok(mut session) = subscribed else {
                std::thread::sleep(POLL);
                continue;
            };
            while !stop.load(Ordering::SeqCst) {
                match session.receive(POLL) {
                    Ok(Some(reply)) => {
                        if let Some(event) = event(&reply, sentinel, t0.elapsed().as_secs_f64()) {
                            self.push(event);
                        }
                    }
                    Ok(None) => {}
                    Err(_) => break,
                }
            }
        }
    }
}

/// A `pmessage` (`pattern`, `channel`, `payload`) as an event.
fn event(reply: &Reply, sentinel: usize, at: f64) -> Option<Event> {
    let items = reply.items();
    if items.first()?.text()? != "pmessage" {
        return None;
    }
    Some(Event {
        at,
        sentinel,
        channel: items.get(2)?.text()?.to_string(),
        payload: items.get(3)?.text()?.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pmessage_is_an_event_and_nothing_else_is() {
        let bulk = |s: &str| Reply::Bulk(Some(s.into()));
        let msg = Reply::Array(Some(vec![
            bulk("pmessage"),
            bulk("*"),
            bulk("+switch-master"),
            bulk("mymaster a 6379 b 6379"),
        ]));
        let e = event(&msg, 2, 1.5).unwrap();
        assert_eq!(
            (e.sentinel, e.channel.as_str(), e.payload.as_str()),
            (2, "+switch-master", "mymaster a 6379 b 6379")
        );
        let sub = Reply::Array(Some(vec![bulk("psubscribe"), bulk("*"), Reply::Int(1)]));
        assert!(event(&sub, 0, 0.0).is_none());
    }
}
