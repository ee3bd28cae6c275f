#![allow(clippy::unwrap_used)]

//! The deploy crate's integration tests: the pack's rules through a
//! backend into rule objects, golden objects (insta), the vendors'
//! validators where installed, and injection round trips per format.
//! One binary (see the backends crate for why).

mod attack_tags;
mod common;
mod elastic;
mod splunk;
