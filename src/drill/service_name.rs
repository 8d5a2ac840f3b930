//! A Service of the set as the drill needs it: its name, whether it is headless or
//! publishes pods that are not ready, and its ports.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceName {
    pub name: String,
    pub headless: bool,
    pub publish_not_ready: bool,
    /// The Service's `port`s.
    pub ports: Vec<u16>,
}
