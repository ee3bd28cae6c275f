//! Provenance: where a record came from.
//!
//! Every record and every read error carries an [`Origin`], so an alert or
//! a complaint can name the file and the line an analyst has to open. The
//! path is shared (`Arc`) because every record of a file points at it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::detect::Format;

/// Where one record is: file, position and format.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub path: Arc<Path>,
    /// 1-based line of the record's first byte (text formats).
    pub line: u64,
    pub format: Format,
}

/// `path:line`, the form editors and terminals turn into links.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
}
