//! The argument grammar the pack's command-line patterns stand for,
//! modelled once: how Windows splits a command line into `argv`
//! ([`windows`]), which forwards OpenSSH and plink read from that `argv`
//! ([`openssh`], [`plink`], with the service names of [`services`]), and
//! the regexes written from it ([`patterns`]).
//!
//! Detection rules see the raw command line, not `argv`, and Sigma's
//! regexes cannot run a tokenizer. So the model does two jobs: it writes
//! the patterns (the rules hold [`patterns`]' exact output), and it is the
//! oracle the pack's tests hold those patterns to — for generated command
//! lines, "the rule fires" must equal "ssh, as it parses this line,
//! forwards" (`crates/pack/tests/argv_model.rs`), with every remaining
//! difference named in that test and in the rule's guide.

pub mod openssh;
pub mod patterns;
pub mod plink;
pub mod services;
pub mod windows;
