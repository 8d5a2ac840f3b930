//! Parses `redis.conf` / `sentinel.conf` text into directives, as Redis does.
