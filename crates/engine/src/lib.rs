/*!
The matching engine (being written).
*/
pub mod event;
pub use event::{Event, EventKind, FieldValue, Lookup};
