//! HTML for people: the hunt report of a scan (`scan --format html`)
//! and the detection page of each rule (`rules page`).
//!
//! Every page is one self-contained file that opens from disk on a
//! locked-down machine: no request of any kind leaves it (no external
//! script, font or image; a Content-Security-Policy of `default-src
//! 'none'` says so to the browser too), and what matters renders as HTML
//! on the server side, so it reads with JavaScript off.
//!
//! Everything shown may come from an attacker: log values, file names,
//! even rules and guides. Escaping is by construction — the pages are
//! `maud` templates, which escape every value spliced into them; the data
//! the script reads is JSON that cannot close its `<script>` block
//! ([`shell::embed_json`]); the script builds elements with `textContent`
//! only; invisible and bidi characters are shown as `\u{…}` ([`text`]).
//!
//! This crate knows nothing about log formats, the engine or Sigma: it
//! takes typed data ([`model`] for a scan, read from the scan's JSON
//! schemas; [`page`] for a detection page, filled in by the binary).
//!
//! Map: [`model`] and [`page`] are the input; [`hunt`] renders the hunt
//! report, [`detection`] the detection pages and their index; [`shell`]
//! is the document around each page; [`limits`] is what a report keeps
//! past 100,000 alerts; [`markdown`] renders guides without raw HTML.

pub mod detection;
pub mod hunt;
pub mod limits;
pub mod markdown;
pub mod model;
pub mod page;
pub mod shell;
pub mod text;

pub use hunt::render as render_hunt_report;
