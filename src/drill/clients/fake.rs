//! A scripted set and clock for the models' tests: every operation is logged, sleeps are
//! recorded, time moves only by sleeps, timeouts and a small cost per operation.

use super::{Event, Failure, Master, Transport};
use crate::resp::Reply;

const OP: f64 = 0.001;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    Master,
    Replica,
    /// The process is gone: connections refused, open ones reset.
    Refused,
    /// Frozen or unreachable: every operation takes its whole timeout.
    Blackhole,
}

pub struct Fake {
    pub now: f64,
    pub log: Vec<String>,
    pub slept: Vec<f64>,
    pub server: Vec<Server>,
    pub sentinel_dead: Vec<bool>,
    /// The master every live Sentinel names, and whether it sees it down.
    pub answer: usize,
    pub answer_down: bool,
    pub pending: Vec<Event>,
    pub connected_to: Option<usize>,
}

impl Fake {
    /// `n` pods, each with its Redis and Sentinel; `master` is master.
    pub fn new(n: usize, master: usize) -> Fake {
        let mut server = vec![Server::Replica; n];
        server[master] = Server::Master;
        Fake {
            now: 0.0,
            log: Vec::new(),
            slept: Vec::new(),
            server,
            sentinel_dead: vec![false; n],
            answer: master,
            answer_down: false,
            pending: Vec::new(),
            connected_to: None,
        }
    }

    /// Sentinel `sentinel` publishes `+switch-master` to pod `new`.
    pub fn publish(&mut self, sentinel: usize, new: usize) {
        let payload = format!("mymaster pod-{} 6379 pod-{new} 6379", self.answer);
        self.publish_raw(sentinel, "+switch-master", &payload);
    }

    pub fn publish_raw(&mut self, sentinel: usize, channel: &str, payload: &str) {
        self.pending.push(Event {
            at: self.now,
            sentinel,
            channel: channel.into(),
            payload: payload.into(),
        });
    }

    fn master(&self) -> Master {
        Master {
            ordinal: self.answer,
            down: self.answer_down,
        }
    }
}

impl Transport for Fake {
    fn now(&self) -> f64 {
        self.now
    }

    fn sleep(&mut self, seconds: f64) {
        self.slept.push(seconds);
        self.now += seconds;
    }

    fn sentinels(&self) -> Vec<usize> {
        (0..self.server.len()).collect()
    }

    fn ask(&mut self, sentinel: usize, _timeout: f64) -> Result<Master, Failure> {
        self.log.push(format!("ask {sentinel}"));
        self.now += OP;
        if self.sentinel_dead[sentinel] {
            return Err(Failure::Connection("refused".into()));
        }
        Ok(self.master())
    }

    fn ask_all(&mut self, sentinels: &[usize], _timeout: f64) -> Result<(usize, Master), Failure> {
        self.log.push(format!("ask_all {sentinels:?}"));
        self.now += OP;
        sentinels
            .iter()
            .find(|&&s| !self.sentinel_dead[s])
            .map(|&s| (s, self.master()))
            .ok_or(Failure::Connection("every Sentinel refused".into()))
    }

    fn connect(&mut self, ordinal: usize, timeout: f64) -> Result<(), Failure> {
        self.log.push(format!("connect {ordinal}"));
        self.connected_to = None;
        match self.server[ordinal] {
            Server::Refused => {
                self.now += OP;
                Err(Failure::Connection("refused".into()))
            }
            Server::Blackhole => {
                self.now += timeout;
                Err(Failure::Timeout("connect".into()))
            }
            _ => {
                self.now += OP;
                self.connected_to = Some(ordinal);
                Ok(())
            }
        }
    }

    fn connected(&self) -> Option<usize> {
        self.connected_to
    }

    fn disconnect(&mut self) {
        self.connected_to = None;
    }

    fn command(&mut self, args: &[&str], timeout: f64) -> Result<Reply, Failure> {
        let Some(o) = self.connected_to else {
            return Err(Failure::Connection("not connected".into()));
        };
        self.log
            .push(format!("cmd {o} {}", args.first().copied().unwrap_or("")));
        match self.server[o] {
            Server::Master => {
                self.now += OP;
                Ok(if args.first() == Some(&"WAIT") {
                    Reply::Int(1)
                } else {
                    Reply::Status("OK".into())
                })
            }
            Server::Replica => {
                self.now += OP;
                Ok(Reply::Error(
                    "READONLY You can't write against a read only replica.".into(),
                ))
            }
            Server::Refused => {
                self.now += OP;
                self.connected_to = None;
                Err(Failure::Connection("reset".into()))
            }
            Server::Blackhole => {
                self.now += timeout;
                self.connected_to = None;
                Err(Failure::Timeout("read".into()))
            }
        }
    }

    fn events(&mut self) -> Vec<Event> {
        let now = self.now;
        let (due, later): (Vec<Event>, Vec<Event>) =
            self.pending.drain(..).partition(|e| e.at <= now);
        self.pending = later;
        due
    }

    fn ordinal_of(&self, host: &str) -> Option<usize> {
        host.strip_prefix("pod-")?.parse().ok()
    }
}
